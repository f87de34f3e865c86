# Podium server image: a static binary on distroless.
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t podium .
# (`make docker` / docker compose pass VERSION for you; .git is not sent to the build.)

FROM golang:1.26-bookworm AS build
WORKDIR /src

# Modules first, as their own layer: it is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
ARG VERSION=dev
ENV CGO_ENABLED=0
RUN --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/podium ./cmd/server \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/podium /podium
# The data directory must exist and belong to the nonroot user (65532): distroless has no shell
# to create it at run time. A volume mounted here starts with this ownership.
COPY --from=build --chown=65532:65532 /out/data /var/lib/podium
ENV PODIUM_ADDR=0.0.0.0:8080 PODIUM_DATA_DIR=/var/lib/podium
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/podium"]
CMD ["serve"]
