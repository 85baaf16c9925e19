package mock

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/appmaker/refresh-conformance/mock/diagnose"
	"github.com/appmaker/refresh-conformance/mock/session"
)

// FindingList is the body of GET /__mock/diagnostics and GET /__mock/sessions/{id}/diagnostics.
type FindingList struct {
	Findings []diagnose.Finding `json:"findings"` // oldest first
}

func (s *Server) routeDiagnostics() {
	s.admin.handle(http.MethodGet, adminPrefix+"diagnostics", s.handleListFindings)
	s.admin.handle(http.MethodDelete, adminPrefix+"diagnostics", s.handleClearFindings)
	s.admin.handle(http.MethodGet, adminPrefix+"sessions/{id}/diagnostics", s.handleListSessionFindings)
	s.admin.handle(http.MethodDelete, adminPrefix+"sessions/{id}/diagnostics", s.handleClearSessionFindings)
}

// handleListFindings is GET /__mock/diagnostics: the findings of every session and of the
// requests whose session could not be known.
func (s *Server) handleListFindings(w http.ResponseWriter, r *http.Request) {
	if s.diag == nil {
		s.writeAdminError(w, r, ErrDiagnosticsOff)
		return
	}
	writeJSON(w, http.StatusOK, FindingList{Findings: s.diag.findings.All()})
}

func (s *Server) handleClearFindings(w http.ResponseWriter, r *http.Request) {
	if s.diag == nil {
		s.writeAdminError(w, r, ErrDiagnosticsOff)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"cleared": s.diag.findings.ClearAll()})
}

func (s *Server) handleListSessionFindings(w http.ResponseWriter, r *http.Request) {
	id, err := s.findingsSession(r)
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	findings, _ := s.diag.findings.Session(id)
	writeJSON(w, http.StatusOK, FindingList{Findings: findings})
}

func (s *Server) handleClearSessionFindings(w http.ResponseWriter, r *http.Request) {
	id, err := s.findingsSession(r)
	if err != nil {
		s.writeAdminError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"cleared": s.diag.findings.Clear(id)})
}

// findingsSession resolves the {id} of a session's diagnostics: a session the store has, or
// one that still has findings.
func (s *Server) findingsSession(r *http.Request) (string, error) {
	if s.diag == nil {
		return "", ErrDiagnosticsOff
	}
	id := s.resolveSessionID(r.PathValue("id"))
	if _, ok := s.diag.findings.Session(id); ok {
		return id, nil
	}
	if _, err := s.store.Get(r.Context(), id); err != nil {
		if errors.Is(err, session.ErrNotFound) {
			return "", fmt.Errorf("session %q: %w", id, err)
		}
		return "", err
	}
	return id, nil
}
