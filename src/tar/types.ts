/** One tar entry as the layer writer sees it. Paths are relative (no leading `/` or `./`), `/`-separated. */
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink';

export interface TarEntry {
  path: string;
  type: TarEntryType;
  /** Permission bits, setuid/setgid/sticky included (& 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch; callers clamp it to the build epoch. */
  mtime: number;
  /** Bytes of content; 0 for everything but files. */
  size: number;
  /** Target of a symlink (as stored) or hardlink (a relative path in the same archive). */
  linkname?: string;
}
