# The mock as a container image: one static binary on scratch, nothing else.
# Build the binary first (`make dist`, or `make image`, which does both); this file pulls
# no base image, so it builds offline:
#   make image                          # docker or podman, whichever is installed
#   docker run --rm -p 5001:5001 appmaker-mock
# TARGETARCH is set by docker buildx and podman (amd64 or arm64).
FROM scratch
ARG TARGETARCH
ARG VERSION=dev
LABEL org.opencontainers.image.title="appmaker-mock" \
      org.opencontainers.image.description="Reference mock of the AppMaker refresh-token endpoint" \
      org.opencontainers.image.version="${VERSION}"
COPY dist/appmaker-mock_linux_${TARGETARCH} /appmaker-mock
USER 65532:65532
EXPOSE 5001
# No shell or curl in scratch: the binary probes itself (GET /healthz, exit 0 or 1).
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s \
  CMD ["/appmaker-mock", "--healthcheck", "--addr", "127.0.0.1:5001"]
ENTRYPOINT ["/appmaker-mock", "--addr", "0.0.0.0:5001"]
