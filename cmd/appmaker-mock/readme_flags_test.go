//go:build unix

package main

import (
	"bytes"
	"flag"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/appmaker/refresh-conformance/conformance"
)

// tableRow is one row of a Markdown table: its README line and its cells.
type tableRow struct {
	line  int
	cells []string
}

// table is the first table under heading whose header row starts with header: the header's
// line and the rows below its separator. An escaped pipe (\|) stays inside its cell.
func (r *readme) table(t *testing.T, heading, header string) (int, []tableRow) {
	t.Helper()
	i := 0
	for i < len(r.lines) && r.lines[i] != heading {
		i++
	}
	for i < len(r.lines) && !strings.HasPrefix(r.lines[i], header) {
		i++
	}
	if i == len(r.lines) {
		t.Fatalf("%s has no table %q under %q", r.name, header, heading)
	}
	headerLine := i + 1
	var rows []tableRow
	for i += 2; i < len(r.lines) && strings.HasPrefix(r.lines[i], "|"); i++ {
		row := strings.ReplaceAll(strings.Trim(r.lines[i], "| "), `\|`, "\x00")
		cells := strings.Split(row, "|")
		for j, c := range cells {
			cells[j] = strings.ReplaceAll(strings.TrimSpace(c), "\x00", "|")
		}
		rows = append(rows, tableRow{line: i + 1, cells: cells})
	}
	return headerLine, rows
}

var helpFlag = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)

// helpFlags are the flags a --help lists, as the program's own flag set prints them.
func helpFlags(t *testing.T, parse func([]string, *bytes.Buffer) error) []string {
	t.Helper()
	var help bytes.Buffer
	if err := parse([]string{"--help"}, &help); err != flag.ErrHelp {
		t.Fatalf("--help: %v", err)
	}
	var names []string
	for _, m := range helpFlag.FindAllStringSubmatch(help.String(), -1) {
		names = append(names, m[1])
	}
	if len(names) == 0 {
		t.Fatalf("--help lists no flags:\n%s", help.String())
	}
	return names
}

func mockFlags(t *testing.T) []string {
	return helpFlags(t, func(args []string, out *bytes.Buffer) error { _, err := parseFlags(args, out); return err })
}

func proxyFlags(t *testing.T) []string {
	return helpFlags(t, func(args []string, out *bytes.Buffer) error { _, err := parseProxyFlags(args, out); return err })
}

// envName is the variable behind a flag, as applyEnvPrefix reads it.
func envName(prefix, flagName string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

var flagCell = regexp.MustCompile("^`--([a-z0-9-]+)`$")

// compareFlagRows reports every flag the program has and the table lacks (at the header)
// and every row naming a flag the program does not have (at the row).
func (r *readme) compareFlagRows(t *testing.T, program string, have []string, header int, rows []tableRow) map[string]tableRow {
	t.Helper()
	listed := map[string]tableRow{}
	for _, row := range rows {
		m := flagCell.FindStringSubmatch(row.cells[0])
		if m == nil {
			t.Errorf("%s: want one flag as `--name` in the first cell, got %q", r.where(row.line), row.cells[0])
			continue
		}
		listed[m[1]] = row
	}
	known := map[string]bool{}
	for _, name := range have {
		known[name] = true
		if _, ok := listed[name]; !ok {
			t.Errorf("%s: the table has no row for --%s, which %s --help lists", r.where(header), name, program)
		}
	}
	for name, row := range listed {
		if !known[name] {
			t.Errorf("%s: --%s is in the table, but %s has no such flag (%s --help)", r.where(row.line), name, program, program)
		}
	}
	return listed
}

// The mock's flags table lists every flag of appmaker-mock and no other, and says which
// have no environment variable.
func TestREADMEMockFlagsTable(t *testing.T) {
	r := loadREADME(t)
	header, rows := r.table(t, "### Flags", "| Flag |")
	listed := r.compareFlagRows(t, "appmaker-mock", mockFlags(t), header, rows)
	for name, row := range listed {
		says := strings.Contains(row.cells[len(row.cells)-1], "no environment variable")
		if commandLineOnly(name) && !says {
			t.Errorf("%s: --%s has no environment variable (command line only); its row must say \"no environment variable\"", r.where(row.line), name)
		}
		if !commandLineOnly(name) && says {
			t.Errorf("%s: --%s is read from %s too; its row says \"no environment variable\"", r.where(row.line), name, envName(envPrefix, name))
		}
	}
}

// The proxy's table lists every flag of `appmaker-mock proxy`, each with its variable.
func TestREADMEProxyFlagsTable(t *testing.T) {
	r := loadREADME(t)
	header, rows := r.table(t, "## Watch an app against the test server", "| Flag | Environment |")
	for name, row := range r.compareFlagRows(t, "appmaker-mock proxy", proxyFlags(t), header, rows) {
		if want := "`" + envName(proxyEnvPrefix, name) + "`"; len(row.cells) < 2 || row.cells[1] != want {
			t.Errorf("%s: --%s is read from %s, the row says %q", r.where(row.line), name, want, row.cells[1])
		}
	}
}

// conformanceSettings are the suite's own flags (not Ginkgo's) and the variable of each,
// from the flag set the suite registers them on.
func conformanceSettings(t *testing.T) map[string]string {
	t.Helper()
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	conformance.RegisterFlags(fs)
	conformance.RegisterGeneratedFlags(fs)
	env := regexp.MustCompile(`\[env (CONFORMANCE_[A-Z0-9_]+)\]`)
	settings := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		m := env.FindStringSubmatch(f.Usage)
		if m == nil {
			t.Fatalf("--%s names no environment variable in its usage: %q", f.Name, f.Usage)
		}
		settings[f.Name] = m[1]
	})
	return settings
}

var settingPair = regexp.MustCompile("`(CONFORMANCE_[A-Z0-9_]+)` `--([a-z0-9-]+)`")

// The suite's settings table pairs every variable with its flag, as the suite reads them.
func TestREADMEConformanceSettingsTable(t *testing.T) {
	r := loadREADME(t)
	header, rows := r.table(t, "### Reports and reproduction", "| Variable / flag |")
	settings := conformanceSettings(t)
	listed := map[string]bool{}
	for _, row := range rows {
		pairs := settingPair.FindAllStringSubmatch(row.cells[0], -1)
		if pairs == nil && !strings.Contains(row.cells[0], "(make only)") {
			t.Errorf("%s: want `CONFORMANCE_X` `--x` pairs in the first cell, or \"(make only)\", got %q", r.where(row.line), row.cells[0])
		}
		for _, p := range pairs {
			variable, name := p[1], p[2]
			listed[name] = true
			switch want, ok := settings[name]; {
			case !ok:
				t.Errorf("%s: --%s is in the table, but the suite has no such flag", r.where(row.line), name)
			case want != variable:
				t.Errorf("%s: --%s is read from %s, the table pairs it with %s", r.where(row.line), name, want, variable)
			}
		}
	}
	var missing []string
	for name := range settings {
		if !listed[name] {
			missing = append(missing, "--"+name+" ("+settings[name]+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s: the table has no row for %s, which the suite reads", r.where(header), m)
	}
}

var namedVariable = regexp.MustCompile(`\b(APPMAKER_MOCK_|CONFORMANCE_)[A-Z0-9_]*`)

// Every APPMAKER_MOCK_* and CONFORMANCE_* variable the README names anywhere is one a
// program reads. A bare prefix ("APPMAKER_MOCK_ and the flag name") is not a name.
func TestREADMENamesOnlyVariablesThatExist(t *testing.T) {
	r := loadREADME(t)
	exist := map[string]bool{}
	for _, name := range mockFlags(t) {
		if !commandLineOnly(name) {
			exist[envName(envPrefix, name)] = true
		}
	}
	for _, name := range proxyFlags(t) {
		exist[envName(proxyEnvPrefix, name)] = true
	}
	for _, variable := range conformanceSettings(t) {
		exist[variable] = true
	}
	for i, line := range r.lines {
		for _, v := range namedVariable.FindAllString(line, -1) {
			if !strings.HasSuffix(v, "_") && !exist[v] {
				t.Errorf("%s: %s is read by none of the programs", r.where(i+1), v)
			}
		}
	}
}
