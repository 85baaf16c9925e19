package suites

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/appmaker/refresh-conformance/internal/version"
)

// showVersion is --version of the suite built as one binary (make dist, make conformance-bin):
// `conformance_linux_amd64 --version` names the build that judged a server.
var showVersion = flag.Bool("version", false, "print the version and commit of this build of the suite, and exit")

func TestMain(m *testing.M) {
	flag.Parse()
	if *showVersion {
		fmt.Println("conformance", version.Get())
		os.Exit(0)
	}
	os.Exit(m.Run())
}
