package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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

// placeholderPool is a pool for a reference server, which reads nothing of a request:
// one-character tokens to start each chain with. From its first answer on, each chain
// presents the tokens the server minted, as against the mock.
func placeholderPool(n int) []Credentials {
	pool := make([]Credentials, n)
	for i := range pool {
		pool[i] = Credentials{Access: "a", Refresh: "b"}
	}
	return pool
}
