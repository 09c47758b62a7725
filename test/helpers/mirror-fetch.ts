/**
 * fetch for the live tests that read the Debian mirror: tried again after a dropped connection (the mirror's
 * front end resets one now and then; one `connect ECONNRESET` once failed all 68 apt-oracle tests of a CI run).
 * 4 tries, 1, 2 and 4 s apart; an HTTP error status is the caller's to judge, not retried.
 */
export async function mirrorFetch(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      if (attempt === 4) throw e;
      await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1)));
    }
  }
}
