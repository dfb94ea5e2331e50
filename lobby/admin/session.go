package admin

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
	"time"
)

// sessions are the browsers logged in to the view. The cookie holds a
// random id, never the token, so that a leaked cookie (a copied browser
// profile, a proxy that logs headers) is good for one process and at most
// ttl, and logging out ends it here and not only in the browser. A signed
// stateless cookie (an HMAC of the expiry under a per-process key) would
// need no memory but could not be revoked on logout; the view has a handful
// of operators, so the memory is small, and bounded by limit.
//
// Ids are kept by their SHA-256: looking one up then reveals nothing about
// live ids through timing, and a memory dump holds no usable cookie.
type sessions struct {
	limit int
	ttl   time.Duration

	mu     sync.Mutex
	expiry map[[sha256.Size]byte]time.Time
}

func newSessions(limit int, ttl time.Duration) *sessions {
	return &sessions{limit: limit, ttl: ttl, expiry: make(map[[sha256.Size]byte]time.Time)}
}

// create starts a session and returns its id. When limit sessions are live,
// the one closest to its end makes room.
func (s *sessions) create(now time.Time) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("admin: session id: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	var oldest [sha256.Size]byte
	var oldestAt time.Time
	for k, exp := range s.expiry {
		if !now.Before(exp) {
			delete(s.expiry, k)
			continue
		}
		if oldestAt.IsZero() || exp.Before(oldestAt) {
			oldest, oldestAt = k, exp
		}
	}
	if len(s.expiry) >= s.limit {
		delete(s.expiry, oldest)
	}
	s.expiry[sha256.Sum256([]byte(id))] = now.Add(s.ttl)
	return id, nil
}

// valid reports whether id is a live session.
func (s *sessions) valid(id string, now time.Time) bool {
	if id == "" {
		return false
	}
	k := sha256.Sum256([]byte(id))
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.expiry[k]
	if ok && !now.Before(exp) {
		delete(s.expiry, k)
		return false
	}
	return ok
}

// revoke ends a session.
func (s *sessions) revoke(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.expiry, sha256.Sum256([]byte(id)))
}

// bucket is a token bucket: burst tokens, refilled at rate a second.
type bucket struct {
	rate, burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newBucket(rate, burst float64) *bucket {
	return &bucket{rate: rate, burst: burst, tokens: burst}
}

// take spends a token if there is one.
func (b *bucket) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// refund gives back a token that take spent.
func (b *bucket) refund() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = min(b.burst, b.tokens+1)
}
