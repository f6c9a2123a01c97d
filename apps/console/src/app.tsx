import type { SequinClient } from "@sequin/client";
import { useMemo, useState } from "preact/hooks";
import { connect } from "./api";
import { href, useRoute } from "./route";
import { forgetToken, savedToken, saveToken } from "./session";
import { ConsumerForm } from "./views/consumer-form";
import { ConsumerPage } from "./views/consumer-page";
import { ConsumersPage } from "./views/consumers-page";
import { SignIn } from "./views/sign-in";
import { StreamsPage } from "./views/streams-page";

/** The console: a sign-in form until a token works, then the pages. */
export function App() {
  const [token, setToken] = useState(savedToken);
  const client = useMemo(() => (token ? connect(token) : undefined), [token]);
  if (!client) {
    return (
      <SignIn
        onSignedIn={(value) => {
          saveToken(value);
          setToken(value);
        }}
      />
    );
  }
  return (
    <Shell
      client={client}
      onSignOut={() => {
        forgetToken();
        setToken(undefined);
      }}
    />
  );
}

function Shell({ client, onSignOut }: { client: SequinClient; onSignOut: () => void }) {
  const route = useRoute();
  return (
    <div class="shell">
      <header>
        <strong>Sequin console</strong>
        <nav>
          <a href={href.streams} class={route.page === "streams" ? "active" : ""}>
            Streams
          </a>
          <a href={href.consumers} class={route.page !== "streams" ? "active" : ""}>
            Consumers
          </a>
          <a href="/docs" target="_blank" rel="noreferrer">
            API reference
          </a>
        </nav>
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        {route.page === "streams" && <StreamsPage client={client} />}
        {route.page === "consumers" && <ConsumersPage client={client} />}
        {route.page === "new-consumer" && <ConsumerForm client={client} />}
        {route.page === "consumer" && <ConsumerPage client={client} name={route.name} />}
      </main>
    </div>
  );
}
