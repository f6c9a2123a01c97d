import { SequinError } from "../errors.js";

/** One page of a list, as the API sends it. */
export interface Page<T> {
  data: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  next_cursor: string | null;
}

/**
 * A lazily fetched list. `for await (const item of list)` walks every page by `next_cursor`;
 * `firstPage()` makes one request; `pages()` yields page by page. Nothing is requested until
 * one of them is used, and each use starts again from the first page.
 */
export class Paginated<T> implements AsyncIterable<T> {
  readonly #fetchPage: (cursor: string | undefined) => Promise<Page<T>>;
  readonly #cursor: string | undefined;

  constructor(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, cursor?: string) {
    this.#fetchPage = fetchPage;
    this.#cursor = cursor;
  }

  /** The first page only. */
  firstPage(): Promise<Page<T>> {
    return this.#fetchPage(this.#cursor);
  }

  /** Every page in order, following `next_cursor` until it is null. */
  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let cursor = this.#cursor;
    for (;;) {
      const page = await this.#fetchPage(cursor);
      yield page;
      if (page.next_cursor === null || page.next_cursor === undefined) return;
      if (page.next_cursor === cursor) {
        throw new SequinError(`The server returned the cursor it was given (${cursor}); stopping`);
      }
      cursor = page.next_cursor;
    }
  }

  /** Every item of every page. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.data;
  }

  /** Collects every item into an array. Mind the size of what you list. */
  async toArray(): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this) items.push(item);
    return items;
  }
}
