package admin

import (
	"testing"
	"time"
)

func TestSessionsExpireAndStayBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	s := newSessions(3, time.Minute)
	var ids []string
	for i := range 4 {
		id, err := s.create(now.Add(time.Duration(i) * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(s.expiry) != 3 {
		t.Fatalf("%d sessions kept, want the limit of 3", len(s.expiry))
	}
	if s.valid(ids[0], now.Add(5*time.Second)) {
		t.Error("the oldest session survived a full table")
	}
	if !s.valid(ids[3], now.Add(5*time.Second)) {
		t.Error("the newest session is not valid")
	}
	if s.valid(ids[3], now.Add(3*time.Second+time.Minute)) {
		t.Error("a session outlived its TTL")
	}
	s.revoke(ids[2])
	if s.valid(ids[2], now.Add(5*time.Second)) {
		t.Error("a revoked session is still valid")
	}
	if s.valid("", now) {
		t.Error("the empty id is a session")
	}
}

func TestBucketRefillsAtRate(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newBucket(5, 10)
	for i := range 10 {
		if !b.take(now) {
			t.Fatalf("take %d of a burst of 10 refused", i+1)
		}
	}
	if b.take(now) {
		t.Fatal("11th take in a burst of 10 allowed")
	}
	b.refund()
	if !b.take(now) {
		t.Fatal("a refunded token cannot be taken")
	}
	// 5 a second: 200 ms buys one.
	if !b.take(now.Add(200*time.Millisecond)) || b.take(now.Add(200*time.Millisecond)) {
		t.Fatal("after 200 ms at 5/s, want exactly one token")
	}
	if !b.take(now.Add(time.Hour)) {
		t.Fatal("no token after an hour")
	}
}
