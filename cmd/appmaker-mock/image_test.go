package main

import (
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// The Dockerfile at the repository's root builds the image from the static linux binary
// of `make dist`, without pulling a base image. This builds that binary the way the
// Makefile does, builds the image with podman, and checks what `docker run` relies on.
// Running the container is not possible on every machine (podman builds from scratch
// without a runtime), so the served behaviour is tested on the binary itself elsewhere.
func TestContainerImage(t *testing.T) {
	podman, err := exec.LookPath("podman")
	if err != nil {
		t.Skip("podman is not installed: `sudo apt-get install podman` to build and inspect the container image (make image)")
	}
	if os.Getenv("APPMAKER_IMAGE_TEST") != "1" {
		// A static build compiles the whole module once more, minutes on 2 cores: too much for
		// make test's budget. .ci/run runs it after make test.
		t.Skip("builds a static binary and an image (minutes): run `make image-test`, as .ci/run does")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the binary: %v", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}

	// The build context: the Dockerfile, .dockerignore and dist/appmaker-mock_linux_<arch>,
	// as `make image` leaves them, in a directory of the test's own.
	context := t.TempDir()
	for _, name := range []string{"Dockerfile", ".dockerignore"} {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(context, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(context, "dist", "appmaker-mock_linux_"+runtime.GOARCH)
	build := exec.Command(goTool, "build", "-trimpath", "-ldflags=-s -w -X "+versionPkg+".version=v0.0.0-imagetest", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build (static, as make dist): %v\n%s", err, out)
	}

	// scratch has no dynamic loader and no libc: the binary must ask for neither.
	exe, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, prog := range exe.Progs {
		if prog.Type == elf.PT_INTERP {
			t.Errorf("the binary wants a dynamic loader; it cannot run FROM scratch (is CGO_ENABLED=0 lost?)")
		}
	}
	exe.Close()

	tag := "localhost/appmaker-mock-imagetest:" + strings.ToLower(time.Now().UTC().Format("20060102t150405.000000000"))
	tag = strings.ReplaceAll(tag, ".", "-")
	out, err := exec.Command(podman, "build", "--layers=false", "--format", "docker", "--build-arg", "TARGETARCH="+runtime.GOARCH,
		"--build-arg", "VERSION=v0.0.0-imagetest", "-t", tag, context).CombinedOutput()
	if err != nil {
		t.Fatalf("podman build: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(podman, "rmi", "--force", tag).CombinedOutput(); err != nil {
			t.Logf("podman rmi %s: %v\n%s", tag, err, out)
		}
	})

	out, err = exec.Command(podman, "image", "inspect", tag).Output()
	if err != nil {
		t.Fatalf("podman image inspect: %v", err)
	}
	var images []struct {
		Config struct {
			Entrypoint   []string
			Cmd          []string
			User         string
			ExposedPorts map[string]struct{}
			Labels       map[string]string
		}
		Healthcheck  *struct{ Test []string }
		Os           string
		Architecture string
		RootFS       struct{ Layers []string }
	}
	if err := json.Unmarshal(out, &images); err != nil || len(images) != 1 {
		t.Fatalf("podman image inspect: %v\n%s", err, out)
	}
	img := images[0]
	if want := []string{"/appmaker-mock", "--addr", "0.0.0.0:5001"}; !slices.Equal(img.Config.Entrypoint, want) {
		t.Errorf("entrypoint %q, want %q: the mock must listen on every interface inside the container", img.Config.Entrypoint, want)
	}
	if len(img.Config.Cmd) != 0 {
		t.Errorf("cmd %q, want none: `docker run image --seed` appends its flags to the entrypoint", img.Config.Cmd)
	}
	if img.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532 (not root)", img.Config.User)
	}
	if _, ok := img.Config.ExposedPorts["5001/tcp"]; !ok || len(img.Config.ExposedPorts) != 1 {
		t.Errorf("exposed ports %v, want only 5001/tcp", img.Config.ExposedPorts)
	}
	if img.Healthcheck == nil || !slices.Contains(img.Healthcheck.Test, "--healthcheck") {
		t.Errorf("healthcheck %+v, want the binary's own --healthcheck", img.Healthcheck)
	}
	if got := img.Config.Labels["org.opencontainers.image.version"]; got != "v0.0.0-imagetest" {
		t.Errorf("version label %q, want the VERSION build argument", got)
	}
	if img.Os != "linux" || img.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s, want linux/%s", img.Os, img.Architecture, runtime.GOARCH)
	}
	// FROM scratch and one COPY: the binary is the image's only layer.
	if len(img.RootFS.Layers) != 1 {
		t.Errorf("%d layers, want 1 (scratch plus the binary)", len(img.RootFS.Layers))
	}
}
