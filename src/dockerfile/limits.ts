/** A Dockerfile is read whole before it is parsed; past this size it is no Dockerfile a build would want. */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;
