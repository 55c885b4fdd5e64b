/**
 * The Dockerfiles of the seeds (../shared/seeds), written out from their descriptions,
 * for the Dockerfile rule tables (src/policies/rules/dockerfile-rules.test.ts). Line
 * numbers matter: the tests assert the line each finding points at.
 */

/** glassops runtime image (seed 000): Go binary plus Node.js and the Salesforce CLI, no USER. */
export const glassopsRuntime = `# Build the glassops binary
FROM golang:1.25-alpine AS builder
WORKDIR /app
COPY go.mod go.sum* ./
RUN go mod download || true
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -ldflags="-s -w" -o /glassops ./cmd/glassops

# Runtime: the binary plus the Salesforce CLI
FROM alpine:3.19
RUN apk add --no-cache nodejs npm git coreutils
RUN npm install -g @salesforce/cli
COPY --from=builder /glassops /usr/local/bin/glassops
ENTRYPOINT ["/usr/local/bin/glassops"]
`;

/** glassops native adapter (seed 001): alpine with ca-certificates and git, user glassops (uid 1000). */
export const glassopsAdapter = `FROM golang:1.21-alpine AS builder
WORKDIR /app
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /adapter ./cmd/main.go

FROM alpine:3.19
RUN apk add --no-cache ca-certificates git
RUN addgroup -g 1000 glassops && adduser -D -u 1000 -G glassops glassops
COPY --chown=glassops:glassops --from=builder /adapter /usr/local/bin/adapter
USER glassops
ENTRYPOINT ["/usr/local/bin/adapter"]
`;

/** gofile (seed 002): BuildKit cache and bind mounts, alpine:latest runtime, user gofile. */
export const gofile = `# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:\${GO_VERSION} AS build
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod/ \\
    --mount=type=bind,source=go.sum,target=go.sum \\
    --mount=type=bind,source=go.mod,target=go.mod \\
    go mod download -x
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod/ \\
    --mount=type=bind,target=. \\
    CGO_ENABLED=0 GOARCH=$TARGETARCH go build -o /bin/gofile ./cmd/gofile

FROM alpine:latest AS final
RUN --mount=type=cache,target=/var/cache/apk \\
    apk add --no-cache ca-certificates tzdata && \\
    update-ca-certificates
RUN adduser -D gofile
USER gofile
COPY --from=build /bin/gofile /bin/
ENTRYPOINT ["/bin/gofile"]
`;

/** The course's Go API image, naive version (seed 003): 926 MB. */
export const courseNaive = `FROM golang
WORKDIR /app
COPY . .
RUN go mod download
CMD ["go", "run", "./main.go"]
`;

/** The course's Go API image, final version (seed 003): scratch, /etc/passwd, USER nonroot, 17 MB. */
export const courseFinal = `FROM golang:1.19-bullseye AS build
RUN useradd -u 1001 nonroot
WORKDIR /app
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \\
  --mount=type=cache,target=/root/.cache/go-build \\
  go mod download
COPY . .
RUN go build \\
  -ldflags="-linkmode external -extldflags -static" \\
  -tags netgo \\
  -o api-golang

FROM scratch
ENV GIN_MODE=release
EXPOSE 8080
WORKDIR /
COPY --from=build /etc/passwd /etc/passwd
COPY --from=build /app/api-golang api-golang
USER nonroot
CMD ["/api-golang"]
`;

const templateBuilder = `FROM golang:1.21-alpine AS builder
WORKDIR /build
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build \\
    -ldflags='-w -s -extldflags "-static"' \\
    -a \\
    -o app
`;

/** The production template (seed 004), scratch variant (~8 MB). */
export const templateScratch = `${templateBuilder}
FROM scratch
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=builder /build/app /app
USER 65534:65534
ENTRYPOINT ["/app"]
`;

/** The production template (seed 004), alpine variant (~15 MB: shell and curl for health checks). */
export const templateAlpine = `${templateBuilder}
FROM alpine:3.19
RUN apk add --no-cache ca-certificates curl
RUN adduser -D -u 1000 appuser
WORKDIR /app
COPY --from=builder /build/app ./app
USER appuser
ENTRYPOINT ["./app"]
`;

/** The production template (seed 004), distroless variant (~10 MB, no shell). */
export const templateDistroless = `${templateBuilder}
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /build/app /app
ENTRYPOINT ["/app"]
`;

export const SEED_DOCKERFILES = {
  glassopsRuntime,
  glassopsAdapter,
  gofile,
  courseNaive,
  courseFinal,
  templateScratch,
  templateAlpine,
  templateDistroless,
} as const;

export type SeedName = keyof typeof SEED_DOCKERFILES;
