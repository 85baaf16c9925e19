package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/appmaker/refresh-conformance/mock"
)

// mintPool starts n sessions on the mock at addr through POST /__mock/sessions.
func mintPool(ctx context.Context, addr string, n int) ([]Credentials, error) {
	pool := make([]Credentials, n)
	errs := make(chan error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := mintOne(ctx, addr)
				if err != nil {
					errs <- err
					continue
				}
				pool[i] = c
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("mint the session pool: %w", err)
	}
	return pool, nil
}

func mintOne(ctx context.Context, addr string) (Credentials, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/__mock/sessions", bytes.NewReader(nil))
	if err != nil {
		return Credentials{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Credentials{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Credentials{}, err
	}
	if resp.StatusCode != http.StatusCreated {
		return Credentials{}, fmt.Errorf("POST /__mock/sessions answered %d: %s", resp.StatusCode, body)
	}
	var s mock.SessionTokens
	if err := json.Unmarshal(body, &s); err != nil {
		return Credentials{}, err
	}
	return Credentials{Access: s.AccessToken, Refresh: s.RefreshToken}, nil
}

// barePool is a pool for the bare server, shaped like the mock's: tokens of length
// characters. The bare server answers every request alike; the tokens only keep the
// generator's work the same as against a server answering tokens that long.
func barePool(n, length int) []Credentials {
	pool := make([]Credentials, n)
	for i := range pool {
		pool[i] = Credentials{Access: strings.Repeat("a", length), Refresh: strings.Repeat("b", length)}
	}
	return pool
}

// meanTokenLength is the mean length of the pool's tokens, access and refresh.
func meanTokenLength(pool []Credentials) int {
	total := 0
	for _, c := range pool {
		total += len(c.Access) + len(c.Refresh)
	}
	return total / max(2*len(pool), 1)
}
