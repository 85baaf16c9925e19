package mock

import (
	"context"
	"testing"

	"github.com/appmaker/refresh-conformance/spec"
)

// TestIsLatestAccessKnowsOnlyTheNewestAccessToken: authenticate's shortcut accepts the
// access token the mock signed last for a session, and nothing else, and hands that
// session on; everything else is left to isAccess, which still accepts the older ones.
func TestIsLatestAccessKnowsOnlyTheNewestAccessToken(t *testing.T) {
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(doc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := srv.NewSession(ctx, NewSessionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var found Session
	if !srv.isLatestAccess(ctx, first.AccessToken, &found) || found.ID != first.SessionID {
		t.Errorf("a new session's access token is not known as its newest (session %q found)", found.ID)
	}
	next, err := srv.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	found = Session{}
	if !srv.isLatestAccess(ctx, next.AccessToken, &found) || found.Generation != 2 {
		t.Errorf("a rotation's access token is not known as the session's newest (generation %d found)", found.Generation)
	}
	flipped := []byte(next.AccessToken)
	flipped[len(flipped)-2] ^= 'A' ^ 'B' // a signature the mock did not make, same payload
	for name, tok := range map[string]string{
		"an older access token":    first.AccessToken,
		"the newest refresh token": next.RefreshToken,
		"a changed signature":      string(flipped),
	} {
		found = Session{}
		if srv.isLatestAccess(ctx, tok, &found) || found.ID != "" {
			t.Errorf("%s is known as the newest access token", name)
		}
	}
	if !srv.minter.isAccess(first.AccessToken) {
		t.Error("isAccess refuses an older access token")
	}
}
