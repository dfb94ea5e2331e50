package lobby

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Limits of JWT.
const (
	// DefaultJWTLeeway is the clock skew JWT allows on exp and nbf.
	DefaultJWTLeeway = 30 * time.Second
	// MinJWTHMACKey is the shortest HMAC key JWT takes, in bytes: the
	// output size of SHA-256, which RFC 7518 asks of an HS256 key.
	MinJWTHMACKey = 32
	// MinJWTRSABits is the smallest RSA modulus JWT takes.
	MinJWTRSABits = 2048
	// maxJWTSubject bounds the sub claim, which every welcome carries.
	maxJWTSubject = 256
)

// JWTConfig configures JWT.
type JWTConfig struct {
	// Key verifies the tokens, and its type decides the algorithms
	// allowed: a []byte HMAC secret of at least MinJWTHMACKey bytes for
	// HS256, HS384 and HS512; an ed25519.PublicKey for EdDSA; an
	// *rsa.PublicKey of at least MinJWTRSABits for RS256, RS384 and RS512.
	// Any other algorithm, none included, is refused.
	Key any
	// Leeway is the clock skew allowed on exp and nbf (DefaultJWTLeeway;
	// negative: none).
	Leeway time.Duration
	// Now is the time tokens are checked at; nil is the system clock.
	Now func() time.Time
}

// joinClaims are the claims JWT reads; others are ignored.
type joinClaims struct {
	Name string `json:"name"`
	Room string `json:"room"`
	Game string `json:"game"`
	jwt.RegisteredClaims
}

// JWT admits requests whose credential (the hello's auth, or the API's
// bearer token) is a JSON Web Token signed with cfg.Key, with an exp in
// the future and no nbf in the future (within the leeway), and a sub. The
// Identity it admits is the token's claims: sub (Subject), name, room and
// game (all strings). A token without exp or sub is refused. The
// refusal's text says what is wrong (expired, not valid yet, bad
// signature, algorithm not allowed...) and holds nothing of the token.
func JWT(cfg JWTConfig) (AuthFunc, error) {
	var methods []string
	key := cfg.Key
	switch k := cfg.Key.(type) {
	case []byte:
		if len(k) < MinJWTHMACKey {
			return nil, fmt.Errorf("lobby: JWT HMAC key of %d bytes: want at least %d", len(k), MinJWTHMACKey)
		}
		key = bytes.Clone(k)
		methods = []string{"HS256", "HS384", "HS512"}
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("lobby: JWT Ed25519 key of %d bytes: want %d", len(k), ed25519.PublicKeySize)
		}
		methods = []string{"EdDSA"}
	case *rsa.PublicKey:
		if k == nil || k.N == nil || k.N.BitLen() < MinJWTRSABits {
			bits := 0
			if k != nil && k.N != nil {
				bits = k.N.BitLen()
			}
			return nil, fmt.Errorf("lobby: JWT RSA key of %d bits: want at least %d", bits, MinJWTRSABits)
		}
		methods = []string{"RS256", "RS384", "RS512"}
	default:
		return nil, fmt.Errorf("lobby: JWT key of type %T: want []byte (HMAC), ed25519.PublicKey or *rsa.PublicKey", cfg.Key)
	}
	leeway := cfg.Leeway
	switch {
	case leeway == 0:
		leeway = DefaultJWTLeeway
	case leeway < 0:
		leeway = 0
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(methods), jwt.WithLeeway(leeway), jwt.WithExpirationRequired()}
	if cfg.Now != nil {
		opts = append(opts, jwt.WithTimeFunc(cfg.Now))
	}
	parser := jwt.NewParser(opts...)
	keyFunc := func(*jwt.Token) (any, error) { return key, nil }
	return func(_ context.Context, req AuthRequest) (Identity, error) {
		raw := req.Credential()
		if raw == "" {
			return Identity{}, fmt.Errorf("%w: missing join token", ErrUnauthorized)
		}
		var c joinClaims
		tok, err := parser.ParseWithClaims(raw, &c, keyFunc)
		if err != nil {
			return Identity{}, fmt.Errorf("%w: %s", ErrUnauthorized, jwtRefusal(tok, err, methods))
		}
		switch {
		case c.Subject == "":
			return Identity{}, fmt.Errorf("%w: join token has no sub", ErrUnauthorized)
		case len(c.Subject) > maxJWTSubject:
			return Identity{}, fmt.Errorf("%w: join token's sub is over %d bytes", ErrUnauthorized, maxJWTSubject)
		}
		return Identity{Subject: c.Subject, Name: c.Name, Room: c.Room, Game: c.Game}, nil
	}, nil
}

// jwtRefusal says why a token was refused, in words of its own: the
// library's messages may quote the token.
func jwtRefusal(tok *jwt.Token, err error, methods []string) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed join token"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// An alg the library does not know, or none at all.
		return "join token's algorithm not allowed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		// The library knows the alg (its name is one of its own), and
		// WithValidMethods refused it, or the signature is wrong.
		if tok != nil && tok.Method != nil && !slices.Contains(methods, tok.Method.Alg()) {
			return fmt.Sprintf("join token's algorithm %s not allowed (want %v)", tok.Method.Alg(), methods)
		}
		return "join token has a bad signature"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "join token has no exp"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "join token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "join token not valid yet (nbf)"
	}
	return "invalid join token"
}

// ParseJWTPublicKey reads a PEM-encoded PKIX public key ("PUBLIC KEY", as
// openssl pkey -pubout writes it) of Ed25519 or RSA, for JWTConfig.Key.
func ParseJWTPublicKey(pemBytes []byte) (any, error) {
	block, _ := pem.Decode(pemBytes)
	switch {
	case block == nil:
		return nil, errors.New("no PEM block: want a PEM \"PUBLIC KEY\"")
	case bytes.Contains([]byte(block.Type), []byte("PRIVATE")):
		return nil, fmt.Errorf("a PEM %q: give the public key (openssl pkey -in KEY -pubout), never the private one", block.Type)
	case block.Type == "RSA PUBLIC KEY":
		return nil, errors.New("a PKCS #1 \"RSA PUBLIC KEY\": want a PKIX \"PUBLIC KEY\" (openssl rsa -RSAPublicKey_in -in KEY -pubout converts it)")
	case block.Type != "PUBLIC KEY":
		return nil, fmt.Errorf("a PEM %q: want a PKIX \"PUBLIC KEY\"", block.Type)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("PEM \"PUBLIC KEY\": %w", err)
	}
	switch key.(type) {
	case ed25519.PublicKey, *rsa.PublicKey:
		return key, nil
	}
	return nil, fmt.Errorf("a %T: want an Ed25519 or RSA public key", key)
}
