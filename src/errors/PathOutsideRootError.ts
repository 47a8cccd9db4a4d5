import { ReliabilityError } from './ReliabilityError.js';

/** What {@link PathOutsideRootError} knows about the way out. */
export interface PathOutsideRootErrorOptions {
  /** The symbolic link inside the root that leads out, when one does. */
  readonly link?: string | undefined;
  /** Where the path really leads (the link's resolved target, or the resolved path). */
  readonly resolved: string;
}

/**
 * A path the package would read, write or delete resolves outside its install root (through a
 * symbolic link, or because it is not under the root at all). The package refuses to follow it:
 * nothing outside the root is touched. Not retryable: a person has to remove the link or move the
 * folder it points to into the root.
 */
export class PathOutsideRootError extends ReliabilityError {
  /** The path that was to be used. */
  readonly path: string;
  /** The install root, as given. */
  readonly root: string;
  /** The symbolic link that leads out of the root, when one does. */
  readonly link: string | undefined;
  /** Where `path` (or `link`) really leads. */
  readonly resolved: string;
  /** Never retried: the file system has to change first. */
  readonly retryable = false;

  constructor(path: string, root: string, options: PathOutsideRootErrorOptions) {
    const { link, resolved } = options;
    const how = link
      ? `through the symbolic link ${link} -> ${resolved}`
      : `(it resolves to ${resolved}, which is not under the root)`;
    super(
      `${path} resolves outside ${root} ${how}; nothing there is read, written or deleted`,
      'ERR_PATH_OUTSIDE_ROOT',
      'configuration',
      {
        remediation: link
          ? [
              `Remove the symbolic link ${link} (the folder it points to, ${resolved}, is not touched) and run again: the files are then put inside ${root}.`,
              `Or move ${resolved} into ${root} in place of the link (a link that stays inside the root is fine), then verify again.`,
            ]
          : [`Use a destination inside ${root}, or pass the root it really lives under.`],
      },
    );
    this.path = path;
    this.root = root;
    this.link = link;
    this.resolved = resolved;
  }
}
