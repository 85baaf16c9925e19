package conformance

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// resolveSemanticsAndTransport reads the settings for grace windows, races, gateways, TLS, advisories,
// tokens in reports and where files go.
func (t *Target) resolveSemanticsAndTransport(get func(string) (string, setting), bad func(setting, string, ...any)) {
	if v, st := get("workdir"); v != "" {
		if info, err := os.Stat(v); err != nil || !info.IsDir() {
			bad(st, "%q is not a directory", v)
		} else {
			t.WorkDir = v
		}
	}
	if v, _ := get("report-dir"); v != "" {
		t.ReportDir = t.fromWorkDir(v)
	}
	if v, st := get("reuse-grace"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad(st, "%q is not a positive duration like 2s or 500ms", v)
		} else {
			t.ReuseGrace = d
		}
	}
	if v, st := get("race"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 256 {
			bad(st, "%q is not a whole number from 2 to 256", v)
		} else {
			t.Race = n
		}
	}
	if v, st := get("retry-status"); v != "" {
		codes, err := parseStatuses(v)
		if err != nil {
			bad(st, "%v", err)
		} else {
			t.RetryStatus = codes
		}
	}
	if v, st := get("retry-budget"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			bad(st, "%q is not a duration like 30s or 0s", v)
		} else {
			t.RetryBudget = d
		}
	}
	for _, name := range []string{"insecure-tls", "strict", "reveal-tokens"} {
		v, st := get(name)
		on, err := parseSwitch(v)
		if err != nil {
			bad(st, "%v", err)
		}
		switch name {
		case "insecure-tls":
			t.InsecureTLS = on
		case "strict":
			t.Strict = on
		case "reveal-tokens":
			t.RevealTokens = on
		}
	}
	caFile, caSt := get("ca-file")
	if caFile != "" {
		pool, err := loadCAs(t.fromWorkDir(caFile))
		if err != nil {
			bad(caSt, "%v", err)
		}
		t.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	if t.InsecureTLS {
		if t.TLS == nil {
			t.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		t.TLS.InsecureSkipVerify = true //nolint:gosec // asked for with CONFORMANCE_INSECURE_TLS=1, reported loudly
	}
}

// fromWorkDir makes a relative path start from the work directory.
func (t *Target) fromWorkDir(path string) string {
	if filepath.IsAbs(path) || t.WorkDir == "" {
		return path
	}
	return filepath.Join(t.WorkDir, path)
}

// parseSwitch reads an on/off setting: 1, true, yes, on; 0, false, no, off or empty.
func parseSwitch(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, fmt.Errorf("%q is not 1 or 0", v)
}

// parseStatuses reads "429,503" or "none".
func parseStatuses(v string) ([]int, error) {
	if strings.EqualFold(v, "none") {
		return []int{}, nil
	}
	var codes []int
	for _, part := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 100 || n > 599 {
			return nil, fmt.Errorf("%q is not a comma-separated list of HTTP statuses like 429,503 (or none)", v)
		}
		codes = append(codes, n)
	}
	return codes, nil
}

// loadCAs is the system's pool with the PEM certificates of path added.
func loadCAs(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the CA file: %v", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}
