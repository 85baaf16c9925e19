//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeFileEnv points the README tests at another file than the repository's README.md,
// e.g. a scratch copy with one line changed, to see which failure that change makes.
const readmeFileEnv = "APPMAKER_README_FILE"

// readmeBinEnv runs the README's blocks against a built appmaker-mock instead of this
// package's own build, e.g. a binary of make dist:
// APPMAKER_README_MOCK_BIN=$PWD/dist/appmaker-mock_linux_amd64 make readme.
const readmeBinEnv = "APPMAKER_README_MOCK_BIN"

// readme is README.md as lines; where says which line a message is about.
type readme struct {
	name  string // the file's base name, as messages show it
	lines []string
}

func loadREADME(t *testing.T) *readme {
	t.Helper()
	path := os.Getenv(readmeFileEnv)
	if path == "" {
		path = filepath.Join("..", "..", "README.md")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the README (%s= for another file): %v", readmeFileEnv, err)
	}
	return &readme{name: filepath.Base(path), lines: strings.Split(string(data), "\n")}
}

// where is "README.md:LINE" for a 1-based line number.
func (r *readme) where(line int) string { return fmt.Sprintf("%s:%d", r.name, line) }

// Tags: a block's first line, when it is a comment in square brackets, says how it is run.
const (
	tagNeeds     = "needs "                         // not run: checked with bash -n and make -n
	tagServer    = "runs until stopped"             // not run; the test starts the server it starts
	tagFreshMock = "against a freshly started mock" // the mock restarts first
	tagMockFlags = "against a mock started with "   // the mock restarts with these flags first
)

// shBlock is one ```sh block of the README.
type shBlock struct {
	fence   int    // line of the opening fence
	section string // the "## " heading it is under
	tag     string // inside "# [...]" on its first line; "" without one
	tagLine int
	cmds    []shCommand
}

// shCommand is one command of a block: a line, or the lines that end it (a backslash
// continuation, a function, a loop), and the comment lines right under it: what it prints.
type shCommand struct {
	line  int
	text  string
	shown []shownLine
}

// shownLine is the printed text of one comment line under a command; its note (after two
// spaces) is left out.
type shownLine struct {
	line int
	text string
}

var tagPattern = regexp.MustCompile(`^# \[(.+)\]\s*$`)

// shBlocks finds every ```sh block and splits it into commands. Other fences (js, json, a
// plain listing) are skipped whole.
func (r *readme) shBlocks(t *testing.T) []shBlock {
	t.Helper()
	var blocks []shBlock
	section := ""
	for i := 0; i < len(r.lines); i++ {
		line := r.lines[i]
		if strings.HasPrefix(line, "## ") {
			section = strings.TrimPrefix(line, "## ")
		}
		if !strings.HasPrefix(line, "```") {
			continue
		}
		lang := strings.TrimSpace(strings.TrimPrefix(line, "```"))
		start := i
		i++
		for i < len(r.lines) && strings.TrimSpace(r.lines[i]) != "```" {
			i++
		}
		if i == len(r.lines) {
			t.Fatalf("%s: this ``` block is never closed", r.where(start+1))
		}
		if lang != "sh" && lang != "bash" {
			continue
		}
		b := shBlock{fence: start + 1, section: section}
		body, first := r.lines[start+1:i], start+2
		if len(body) > 0 {
			if m := tagPattern.FindStringSubmatch(body[0]); m != nil {
				b.tag, b.tagLine = m[1], first
				body, first = body[1:], first+1
			}
		}
		b.cmds = r.splitCommands(t, body, first)
		blocks = append(blocks, b)
	}
	if len(blocks) == 0 {
		t.Fatalf("%s has no ```sh block", r.name)
	}
	return blocks
}

// splitCommands cuts a block's lines into commands. A command ends at the first line that
// does not end with a backslash and after which bash can parse what was gathered; the
// comment lines right under it (starting at the line's first character) are what it prints.
// Other comment lines and blank lines are prose.
func (r *readme) splitCommands(t *testing.T, body []string, first int) []shCommand {
	t.Helper()
	var cmds []shCommand
	for i := 0; i < len(body); i++ {
		if strings.TrimSpace(body[i]) == "" || strings.HasPrefix(body[i], "#") {
			continue
		}
		c := shCommand{line: first + i, text: body[i]}
		for strings.HasSuffix(c.text, `\`) || !bashParses(c.text) {
			if i+1 == len(body) {
				t.Fatalf("%s: this command does not end inside its block (bash -n: %s)", r.where(c.line), bashSyntaxError(c.text))
			}
			i++
			c.text += "\n" + body[i]
		}
		for i+1 < len(body) && strings.HasPrefix(body[i+1], "#") {
			i++
			c.shown = append(c.shown, shownLine{line: first + i, text: shownText(body[i])})
		}
		cmds = append(cmds, c)
	}
	return cmds
}

// shownText is a comment line's printed text: "#" and one space taken off, and a note
// (whatever follows two spaces) left out.
func shownText(comment string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(comment, "#"), " ")
	if i := strings.Index(s, "  "); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, " \t")
}

func bashParses(script string) bool { return bashSyntaxError(script) == "" }

// bashSyntaxError is what `bash -n` says about script; "" when it parses.
func bashSyntaxError(script string) string {
	cmd := exec.Command("bash", "-n")
	cmd.Stdin = strings.NewReader(script + "\n")
	out, err := cmd.CombinedOutput()
	if err == nil {
		return ""
	}
	if msg := strings.TrimSpace(string(out)); msg != "" {
		return msg
	}
	return err.Error()
}

// ellipsis, with the blanks around it, stands for any text in shown output, line breaks
// included.
var ellipsis = regexp.MustCompile(`\s*…\s*`)

// shownPattern matches the whole output the lines show.
func shownPattern(shown []shownLine) *regexp.Regexp {
	texts := make([]string, len(shown))
	for i, s := range shown {
		texts[i] = s.text
	}
	parts := ellipsis.Split(strings.Join(texts, "\n"), -1)
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.MustCompile(`\A` + strings.Join(parts, `(?s:.*)`) + `\z`)
}

// normalOutput is a command's output as the README shows it: no carriage returns (HTTP
// headers have them), no blanks at line ends, no empty lines at either end.
func normalOutput(out string) string {
	lines := strings.Split(strings.ReplaceAll(out, "\r", ""), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// leadingWords are a command's first words with NAME=value assignments skipped: "make",
// "conformance" for `CONFORMANCE_RPS=2 make conformance ...`.
func leadingWords(command string) []string {
	line, _, _ := strings.Cut(command, "\n")
	line, _, _ = strings.Cut(line, " #")
	words := strings.Fields(line)
	assignment := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	for len(words) > 0 && assignment.MatchString(words[0]) {
		words = words[1:]
	}
	return words
}
