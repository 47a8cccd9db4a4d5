/** Runs `build` and returns what it threw or rejected with (undefined when it did neither). */
export async function thrownBy(build: () => unknown): Promise<unknown> {
  try {
    await build();
    return undefined;
  } catch (error) {
    return error;
  }
}
