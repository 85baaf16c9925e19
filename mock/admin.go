package mock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"io"
	"net/http"

	"github.com/appmaker/refresh-conformance/mock/console"
)

// adminPrefix is the mock's own API, outside the document. Frontend test suites rely on it.
const adminPrefix = "/__mock/"

// ControlPlaneDocument is the OpenAPI document of the /__mock/ API, served at
// GET /__mock/openapi.json.
//
//go:embed controlplane.openapi.json
var controlPlaneDocument []byte

// ControlPlaneDocument returns the OpenAPI document describing the /__mock/ API.
func ControlPlaneDocument() []byte { return append([]byte(nil), controlPlaneDocument...) }

// adminError is the body of every /__mock/ error.
type adminError struct {
	Error string `json:"error"`
}

func (s *Server) routeAdmin() {
	for _, rt := range []struct {
		method, path string
		h            http.HandlerFunc
	}{
		{http.MethodGet, "openapi.json", s.handleControlPlaneDocument},
		{http.MethodPost, "sessions", s.handleNewSession},
		{http.MethodGet, "sessions", s.handleListSessions},
		{http.MethodGet, "sessions/{id}", s.handleGetSession},
		{http.MethodDelete, "sessions/{id}", s.handleRevokeSession},
		{http.MethodPost, "sessions/{id}/expire", s.handleExpireSession},
		{http.MethodPost, "sessions/{id}/clock", s.handleSessionClock},
		{http.MethodPost, "sessions/{id}/replay", s.handleReplay},
		{http.MethodGet, "clock", s.handleGetClock},
		{http.MethodPost, "clock", s.handleSetClock},
		{http.MethodGet, "faults", s.handleListFaults},
		{http.MethodPost, "faults", s.handleAddFault},
		{http.MethodDelete, "faults", s.handleClearFaults},
		{http.MethodDelete, "faults/{id}", s.handleDeleteFault},
		{http.MethodGet, "events", s.handleEvents},
		{http.MethodPost, "reset", s.handleReset},
	} {
		s.admin.handle(rt.method, adminPrefix+rt.path, rt.h)
	}
	s.routeDiagnostics()
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if console.Serve(w, r) {
		return
	}
	if s.cfg.adminToken != "" {
		bearer, _ := credentials(r)
		// Compared as SHA-256 hashes: ConstantTimeCompare returns at once on a length
		// mismatch, so comparing the tokens themselves would tell their length.
		presented, want := sha256.Sum256([]byte(bearer)), sha256.Sum256([]byte(s.cfg.adminToken))
		if subtle.ConstantTimeCompare(presented[:], want[:]) != 1 {
			s.writeAdminError(w, r, ErrAdminUnauthorized)
			return
		}
	}
	s.serveRoute(w, r, &s.admin)
}

// decodeAdminBody reads a JSON object into dst, refusing unknown fields so that a typo
// is an error rather than a silently ignored setting. like shows the caller a valid body.
func decodeAdminBody(w http.ResponseWriter, r *http.Request, dst any, like string, emptyOK bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return badRequest("the body could not be read or is larger than 64 KiB")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if emptyOK {
			return nil
		}
		return badRequest("the body is missing: send a JSON object like " + like)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badRequest("the body must be a JSON object like " + like + ": " + err.Error())
	}
	return nil
}

func (s *Server) handleControlPlaneDocument(w http.ResponseWriter, _ *http.Request) {
	setCommonHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(controlPlaneDocument)
}

// Reset empties sessions, fault rules and events, then creates the fixtures' sessions
// again. The clock keeps its offset.
func (s *Server) Reset(ctx context.Context) error {
	if err := s.store.Reset(ctx); err != nil {
		return err
	}
	if _, err := s.faults.remove(ctx, 0); err != nil {
		return err
	}
	s.events.Clear()
	s.diag.reset()
	s.sessionClocks.reset()
	return s.seedFixtures(ctx)
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	if err := s.Reset(r.Context()); err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"fixtures": len(s.cfg.fixtures)})
}
