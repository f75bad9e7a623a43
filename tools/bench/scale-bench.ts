/** Scale goals of `pos simulate --bench` (filled below). */
export async function runScaleBench(_options: { only?: string[] | undefined; quick?: boolean | undefined }): Promise<number> {
  return 0;
}
