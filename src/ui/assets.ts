import type { UiBundle } from "./bundle.ts";
import { bundleUi } from "./bundle.ts" with { type: "macro" };

// A macro call: the value is the bundle itself, inlined when this file is transpiled or compiled.
// The server imports this module lazily, so an engine nobody opens in a browser never bundles it.
export const UI_BUNDLE = bundleUi() as unknown as UiBundle;
