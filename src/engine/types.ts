/**
 * The parts of the Docker Engine API's answers imgpolicy reads. Fields the engine
 * may omit are optional; unknown fields pass through untyped.
 */
import type { ContainerConfig } from "../inspect/image.js";

export interface PingResult {
  /** The highest API version the engine speaks (the `Api-Version` header). */
  apiVersion: string;
  osType?: string;
  experimental: boolean;
  /** "1" (classic) or "2" (BuildKit), when the engine says. */
  builderVersion?: string;
}

export interface EngineVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
  BuildTime?: string;
  [key: string]: unknown;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Parent?: string;
  Created: string;
  Author?: string;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  Config: ContainerConfig | null;
  RootFS: { Type: string; Layers?: string[] };
  Metadata?: { LastTagTime?: string };
  [key: string]: unknown;
}

export interface ImageHistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  Labels: Record<string, string> | null;
  Containers: number;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  State: string;
  Status: string;
  Labels: Record<string, string> | null;
}

/** One entry of DELETE /images/{name}: what was untagged or deleted. */
export interface ImageDeleteItem {
  Untagged?: string;
  Deleted?: string;
}

export interface BuildOptions {
  /** name:tag to give the result; several allowed. */
  tag?: string | string[];
  /** Path of the Dockerfile inside the context (default "Dockerfile"). */
  dockerfile?: string;
  /** Stage of a multi-stage Dockerfile to stop at. */
  target?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Do not use the build cache. */
  noCache?: boolean;
  /** Called with each line of build output, as it comes. */
  onOutput?: (line: string) => void;
}

export interface BuildResult {
  /** The built image's ID ("sha256:…"). */
  id: string;
  tags: string[];
  /** Every output line of the build. */
  log: string[];
}

export interface LoadResult {
  /** "name:tag" for tagged images, "sha256:…" for untagged ones. */
  loaded: string[];
  log: string[];
}
