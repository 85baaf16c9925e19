package mock

import (
	"net/http"
	"time"
)

// Limits of the HTTP server the binary runs. Each bounds what one client can make the
// mock hold: a slow or hostile client is cut off, not waited for.
const (
	// ReadHeaderTimeout bounds a client that trickles its request headers.
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout = 15 * time.Second
	// WriteTimeout bounds writing an answer (the event stream lifts it for itself). It runs
	// from the end of the headers, so it outlasts ReadTimeout: a client whose body stalls
	// until ReadTimeout still hears its 400 instead of a closed connection.
	WriteTimeout = ReadTimeout + 5*time.Second
	// IdleTimeout closes keep-alive connections that stay quiet.
	IdleTimeout = 60 * time.Second
	// MaxHeaderBytes caps the request line and headers; more is answered 431.
	MaxHeaderBytes = 32 << 10
)

// HTTPServer wraps s in an http.Server with the limits above.
func (s *Server) HTTPServer(addr string) *http.Server {
	hs := &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
	// Shutdown waits for connections to go idle; an event stream never would, so end them.
	hs.RegisterOnShutdown(s.CloseStreams)
	return hs
}

// CloseStreams ends every open event stream (GET /__mock/events?follow=1) and sends at
// once every answer an injected latency still holds back, so that a graceful shutdown
// waits for neither. A server built without HTTPServer calls it before its own.
func (s *Server) CloseStreams() { s.stopOnce.Do(func() { close(s.stopping) }) }
