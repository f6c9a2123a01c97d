import { useState } from "preact/hooks";
import { connect, errorText } from "../api";

/** Asks for an API token and checks it against the server before keeping it. */
export function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) return;
    setBusy(true);
    setError(undefined);
    try {
      await connect(value).streams.list({ limit: 1 }).firstPage();
      onSignedIn(value);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="sign-in" onSubmit={submit}>
      <h1>Sequin console</h1>
      <p>
        Sign in with an API token (<code>sequin-server start</code> prints one; more with{" "}
        <code>sequin-server create-token</code>).
      </p>
      <label>
        API token
        <input
          name="token"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          placeholder="sqn_…"
        />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? "Checking…" : "Sign in"}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
