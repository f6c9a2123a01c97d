// The token lives in sessionStorage: it survives a reload, not the closing of the tab.
const KEY = "sequin-console-token";

/** The token signed in with in this tab, if any. */
export const savedToken = (): string | undefined => sessionStorage.getItem(KEY) ?? undefined;

export const saveToken = (token: string): void => sessionStorage.setItem(KEY, token);

export const forgetToken = (): void => sessionStorage.removeItem(KEY);
