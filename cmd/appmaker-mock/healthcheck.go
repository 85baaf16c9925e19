package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheckTimeout bounds --healthcheck: an orchestrator's own timeout is usually longer.
const healthcheckTimeout = 3 * time.Second

// errUnhealthy is every failure of --healthcheck: the process exits 1, not 2.
var errUnhealthy = errors.New("unhealthy")

// healthcheck asks the mock listening on addr for GET /healthz. A scratch image has no curl,
// so the binary is its own probe: HEALTHCHECK CMD ["/appmaker-mock", "--healthcheck"].
func healthcheck(ctx context.Context, addr string, stdout io.Writer) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: --addr %q: %w", addr, err)
	}
	// A server listening on every interface is reached on loopback.
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", errUnhealthy, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s answered %s", errUnhealthy, url, resp.Status)
	}
	fmt.Fprintf(stdout, "healthy: GET %s answered %s\n", url, resp.Status)
	return nil
}
