// A signed-in user of the console's HTTP API, as the page is (cookie, the write header), for specs.

export interface ApiClient {
  readonly status: number;
  get(path: string): Promise<{ status: number; body: unknown; text: string }>;
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown; text: string }>;
}

export async function apiClient(base: string, username: string, password: string): Promise<ApiClient> {
  const signIn = await fetch(new URL("api/session", base), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const answer = async (r: Response) => {
    const text = await r.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: r.status, body, text };
  };
  return {
    status: signIn.status,
    get: async (path) => answer(await fetch(new URL(path, base), { headers: { cookie } })),
    post: async (path, body, headers = { "x-hutong-console": "1" }) =>
      answer(
        await fetch(new URL(path, base), {
          method: "POST",
          headers: { cookie, "content-type": "application/json", ...headers },
          body: JSON.stringify(body),
        }),
      ),
  };
}
