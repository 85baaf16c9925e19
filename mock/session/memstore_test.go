package session_test

import (
	"testing"

	"github.com/appmaker/refresh-conformance/mock/session"
	"github.com/appmaker/refresh-conformance/mock/session/storetest"
)

func TestMemStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) session.Store { return session.NewMemStore() })
}
