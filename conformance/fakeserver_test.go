package conformance_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/appmaker/refresh-conformance/spec"
)

// fakeServer is a second, independent implementation of the refresh operation that
// makes every choice the document leaves open differently from the mock: opaque refresh
// tokens, other access-token claims, other messages, extra headers and fields, charset in
// the content type, and the body checked before the credentials. Its knobs break it.
type fakeServer struct {
	acceptAnyToken  bool // any refresh token gets a new pair
	acceptTwice     bool // a used refresh token works again
	keepSession     bool // reuse is refused but the session lives on
	ignoreCreds     bool // no credential is needed
	badBodyIs401    bool // an invalid body is answered 401 even with a valid credential
	sameRefreshBack bool // the refresh token is answered back instead of a new one

	// A grace window (correct when alone): the immediately previous refresh token, within
	// grace of its rotation, gets the pair its rotation answered again.
	grace        time.Duration
	now          func() time.Time // the server's clock; nil: time.Now
	graceNewPair bool             // within the window a replay gets a new pair (a token with two successors)
	graceForever bool             // the window never closes
	forgetOld    bool             // a token two or more generations old is refused, but the session lives on
	// racyRotate > 1: "is it current?" and "rotate it" are two steps; the first racyRotate
	// requests that pass the check all wait for each other before rotating.
	racyRotate          int
	racers              sync.WaitGroup
	passed              int
	anyBearer           bool // any non-empty credential is accepted, issued or not
	refreshAsCredential bool // a refresh token is accepted as the credential
	accessAsRefresh     bool // an access token is accepted as the refreshToken

	mu       sync.Mutex
	key      []byte
	access   map[string]bool
	refresh  map[string]*fakeToken
	sessions map[string]*fakeSession
}

type fakeToken struct {
	session   string
	gen       int
	used      bool
	next      spec.TokenPair // what its rotation answered
	rotatedAt time.Time
}

type fakeSession struct {
	revoked bool
	gen     int // the current refresh token's generation
}

func newFakeServer() *fakeServer {
	return &fakeServer{key: []byte(random(32)), access: map[string]bool{}, refresh: map[string]*fakeToken{},
		sessions: map[string]*fakeSession{}}
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// login starts a session, as a real server's sign-in would.
func (f *fakeServer) login() spec.TokenPair {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := random(8)
	f.sessions[id] = &fakeSession{}
	return f.pairLocked(id)
}

// racy makes the server rotate in two steps, n racers at a time.
func (f *fakeServer) racy(n int) *fakeServer {
	f.racyRotate = n
	f.racers.Add(n)
	return f
}

func (f *fakeServer) clock() time.Time {
	if f.now != nil {
		return f.now()
	}
	return time.Now()
}

func (f *fakeServer) pairLocked(session string) spec.TokenPair {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"HS256","kid":"k1"}`))
	claims, _ := json.Marshal(map[string]any{"user_id": 42, "scope": "org", "exp": time.Now().Add(time.Hour).Unix(), "n": random(8)})
	payload := enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, f.key)
	mac.Write([]byte(header + "." + payload))
	pair := spec.TokenPair{AccessToken: header + "." + payload + "." + enc.EncodeToString(mac.Sum(nil)), RefreshToken: "rt_" + random(24)}
	f.access[pair.AccessToken] = true
	f.refresh[pair.RefreshToken] = &fakeToken{session: session, gen: f.sessions[session].gen}
	return pair
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Request-Id", random(4))
	w.Header().Set("Server", "fake/1.0")
	if r.Method != http.MethodPost || r.URL.Path != "/v2/auth/refresh-token" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	// This server's choice: the body is judged before the credentials.
	token, ok := readToken(r)
	if !ok {
		if f.badBodyIs401 {
			reply(w, 401, map[string]any{"apiError": []string{"Token invalid."}})
			return
		}
		reply(w, 400, map[string]any{"validationError": map[string]any{"refreshToken": []string{"This field is required and must be a string."}}, "code": "E400"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cred := credential(r)
	_, credIsRefresh := f.refresh[cred]
	credOK := f.ignoreCreds || f.access[cred] || (f.anyBearer && cred != "") || (f.refreshAsCredential && credIsRefresh)
	if !credOK {
		reply(w, 401, map[string]any{"apiError": []string{"Authentication credentials were not provided or are invalid."}})
		return
	}
	t, known := f.refresh[token]
	if !known && f.accessAsRefresh && f.access[token] {
		id := random(8)
		f.sessions[id] = &fakeSession{}
		reply(w, 201, f.pairLocked(id))
		return
	}
	if known && !t.used && f.passed < f.racyRotate {
		// The bug: "is it current?" is answered; the rotation comes after the other racers
		// got the same answer.
		f.passed++
		f.mu.Unlock()
		f.racers.Done()
		f.racers.Wait()
		f.mu.Lock()
		f.rotate(w, t, token)
		return
	}
	session := f.sessions[t.sessionOrEmpty()]
	switch {
	case known && t.used && !session.revoked && f.grace > 0 && t.gen == session.gen-1 &&
		(f.graceForever || f.clock().Sub(t.rotatedAt) <= f.grace):
		if f.graceNewPair {
			reply(w, 201, f.pairLocked(t.session))
			return
		}
		reply(w, 201, t.next)
		return
	case known && t.used && f.forgetOld && t.gen < session.gen-1:
		reply(w, 401, map[string]any{"apiError": []string{"Token is invalid or expired"}})
		return
	}
	switch {
	case !known && f.acceptAnyToken:
		id := random(8)
		f.sessions[id] = &fakeSession{}
		reply(w, 201, f.pairLocked(id))
	case !known:
		reply(w, 401, map[string]any{"apiError": []string{"Token is invalid or expired"}})
	case f.sessions[t.session].revoked:
		reply(w, 401, map[string]any{"apiError": []string{"Session ended"}})
	case t.used && !f.acceptTwice:
		f.sessions[t.session].revoked = !f.keepSession
		reply(w, 401, map[string]any{"apiError": []string{"Token is blacklisted"}})
	default:
		f.rotate(w, t, token)
	}
}

func (f *fakeServer) rotate(w http.ResponseWriter, t *fakeToken, token string) {
	t.used = true
	t.rotatedAt = f.clock()
	f.sessions[t.session].gen++
	pair := f.pairLocked(t.session)
	if f.sameRefreshBack {
		pair.RefreshToken = token
	}
	t.next = pair
	reply(w, 201, map[string]any{"accessToken": pair.AccessToken, "refreshToken": pair.RefreshToken, "expiresIn": 3600})
}

func (t *fakeToken) sessionOrEmpty() string {
	if t == nil {
		return ""
	}
	return t.session
}

func readToken(r *http.Request) (string, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return "", false
	}
	var body map[string]json.RawMessage
	if json.NewDecoder(r.Body).Decode(&body) != nil {
		return "", false
	}
	raw := body["refreshToken"]
	var token string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &token) != nil {
		return "", false
	}
	return token, true
}

func credential(r *http.Request) string {
	if v := r.Header.Get("x-access-token"); v != "" {
		return v
	}
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
