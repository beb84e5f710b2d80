/** One Prometheus text exposition, parsed enough to read samples by name and labels. */
export class Scrape {
  private readonly samples: { name: string; labels: Record<string, string>; value: number }[] = [];

  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) continue;
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      this.samples.push({ name: match[1]!, labels, value: Number(match[3]) });
    }
  }

  /** The metric families the exposition declares (# TYPE lines). */
  get families(): string[] {
    return [...this.text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
  }

  /** The sample with exactly these labels (a subset match), or 0 when a counter has none yet. */
  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.samples.find(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    return sample?.value ?? 0;
  }
}

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return new Scrape(await res.text(), res.headers.get('content-type') ?? '');
}
