package mock

import (
	"errors"
	"net/http"

	"github.com/appmaker/refresh-conformance/internal/journal"
)

// EventList is the body of GET /__mock/events: Events oldest first, Missed the events newer
// than ?since= that the buffer no longer holds, Newest the id to pass as ?since= next.
type EventList = journal.List[Event]

// handleEvents is GET /__mock/events: the last ?limit= events (default 100) after ?since=,
// oldest first; with ?follow=1 a Server-Sent Events stream of each new one.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if !s.events.Enabled() {
		s.writeAdminError(w, r, ErrEventsOff)
		return
	}
	q, err := journal.ParseQuery(r)
	var qe *journal.QueryError
	if errors.As(err, &qe) {
		s.writeAdminError(w, r, badRequest(qe.Msg))
		return
	}
	if q.Follow {
		if err := s.events.Follow(w, r, q, (Event).streamName); err != nil {
			s.writeAdminError(w, r, err)
		}
		return
	}
	writeJSON(w, http.StatusOK, s.events.List(q))
}
