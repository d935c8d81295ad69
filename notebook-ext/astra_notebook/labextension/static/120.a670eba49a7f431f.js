"use strict";(self.rspackChunk_astra_notebook_ext=self.rspackChunk_astra_notebook_ext||[]).push([[120],{65(e,d,r){var a=r(645),t=r.n(a),o=r(278),i=(r.n(o))()(t());i.push([e.id,`.astra-sidebar { padding: 8px; overflow: auto; font-size: var(--jp-ui-font-size1); color: var(--jp-ui-font-color1); }
.astra-sidebar h2 { font-size: var(--jp-ui-font-size2); margin: 12px 0 4px; }
.astra-sidebar input, .astra-sidebar select { width: 100%; box-sizing: border-box; margin: 2px 0; }
.astra-sidebar li { list-style: none; margin: 2px 0; padding: 4px; border: 1px solid var(--jp-border-color2); border-radius: 3px; }
.astra-sidebar ul { padding: 0; margin: 0; }
.astra-sidebar button { margin: 2px 4px 2px 0; }
.astra-problem { color: var(--jp-error-color1); }
.astra-node-state { display: inline-block; min-width: 6em; font-family: var(--jp-code-font-family); }
.astra-state-succeeded, .astra-state-cached { color: var(--jp-success-color1); }
.astra-state-running { color: var(--jp-warn-color1); }
.astra-state-failed { color: var(--jp-error-color1); }
.astra-run-view table { border-collapse: collapse; }
.astra-run-view td, .astra-run-view th { padding: 2px 8px; text-align: left; }
.astra-run-view pre { white-space: pre-wrap; }
.astra-flow-tab { height: 100%; overflow: hidden; }
.astra-flow-tab .astra-embedded-editor { height: 100%; }
`,""]),r.d(d,{},{A:i})},106(e,d,r){var a=r(645),t=r.n(a),o=r(278),i=(r.n(o))()(t());i.push([e.id,`/* Astra editor. Colours are variables so dark mode is one attribute on <html>. */
.astra-embedded-editor {
  --bg: #f6f7f9;
  --surface: #ffffff;
  --surface-2: #f0f2f5;
  --border: #d9dde3;
  --text: #1d2430;
  --muted: #5f6b7a;
  --accent: #3b5bdb;
  --accent-text: #ffffff;
  --danger: #c92a2a;
  --ok: #2b8a3e;
  --warn: #e67700;
  --focus: #4c6ef5;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.08), 0 2px 6px rgba(16, 24, 40, 0.06);
  --node-bg: #ffffff;
  --code-bg: #eef1f5;
  --cat-input-output: #6d5dfc;
  --cat-sources: #0f9d8a;
  --cat-rag: #2f7de1;
  --cat-models: #d9480f;
  --cat-text: #8a6d3b;
  --cat-control: #c2255c;
  --cat-utility: #6b7280;
  --state-running: #2f7de1;
  --state-succeeded: #2b8a3e;
  --state-failed: #c92a2a;
  --state-cached: #0f9d8a;
  --state-cancelled: #e67700;
  --state-skipped: #868e96;
  --state-pending: #adb5bd;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  font-size: 14px;
  color: var(--text);
  background: var(--bg);
}

.astra-embedded-editor[data-theme='dark'] {
  --bg: #14171c;
  --surface: #1c2027;
  --surface-2: #232832;
  --border: #343b47;
  --text: #e6e9ef;
  --muted: #9aa4b2;
  --accent: #748ffc;
  --accent-text: #0d1117;
  --danger: #ff6b6b;
  --ok: #69db7c;
  --warn: #ffa94d;
  --focus: #91a7ff;
  --shadow: 0 1px 2px rgba(0, 0, 0, 0.4), 0 2px 8px rgba(0, 0, 0, 0.3);
  --node-bg: #20252d;
  --code-bg: #2a303b;
  --state-pending: #5c6470;
}

.astra-embedded-editor * { box-sizing: border-box; }
.astra-embedded-editor, .astra-embedded-editor, .astra-embedded-editor { height: 100%; margin: 0; }
.astra-embedded-editor { background: var(--bg); color: var(--text); }
.astra-embedded-editor a { color: var(--accent); }
.astra-embedded-editor code, .astra-embedded-editor kbd, .astra-embedded-editor pre { font-family: ui-monospace, 'SF Mono', Menlo, Consolas, monospace; font-size: 0.92em; }
.astra-embedded-editor code { background: var(--code-bg); padding: 0 0.25em; border-radius: 3px; }
.astra-embedded-editor kbd { background: var(--surface-2); border: 1px solid var(--border); border-radius: 4px; padding: 0.05em 0.4em; }
.astra-embedded-editor h1, .astra-embedded-editor h2, .astra-embedded-editor h3, .astra-embedded-editor h4, .astra-embedded-editor h5 { margin: 0.6em 0 0.4em; line-height: 1.25; }
.astra-embedded-editor h1 { font-size: 1.5rem; }
.astra-embedded-editor h2 { font-size: 1.15rem; }
.astra-embedded-editor h3 { font-size: 1rem; }
.astra-embedded-editor h4, .astra-embedded-editor h5 { font-size: 0.9rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
.astra-embedded-editor h4 code, .astra-embedded-editor h5 code { text-transform: none; letter-spacing: 0; }
.astra-embedded-editor .muted { color: var(--muted); }
.astra-embedded-editor .small { font-size: 0.85em; }
.astra-embedded-editor .visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

.astra-embedded-editor :focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }

.astra-embedded-editor button, .astra-embedded-editor .button {
  font: inherit;
  color: var(--text);
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: 6px;
  padding: 0.35rem 0.7rem;
  cursor: pointer;
  line-height: 1.3;
  display: inline-flex;
  align-items: center;
  gap: 0.3rem;
  white-space: nowrap;
}
.astra-embedded-editor button:hover:not(:disabled), .astra-embedded-editor .button:hover { background: var(--surface-2); }
.astra-embedded-editor button:disabled { opacity: 0.5; cursor: default; }
.astra-embedded-editor button.primary { background: var(--accent); color: var(--accent-text); border-color: var(--accent); font-weight: 600; }
.astra-embedded-editor button.primary:hover:not(:disabled) { filter: brightness(1.08); background: var(--accent); }
.astra-embedded-editor button.danger { color: var(--danger); border-color: var(--danger); }
.astra-embedded-editor button.ghost { border-color: transparent; background: transparent; }
.astra-embedded-editor input, .astra-embedded-editor textarea, .astra-embedded-editor select {
  font: inherit;
  color: var(--text);
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: 6px;
  padding: 0.35rem 0.5rem;
  width: 100%;
}
.astra-embedded-editor textarea { resize: vertical; font-family: inherit; }
.astra-embedded-editor input[type='checkbox'] { width: auto; }
.astra-embedded-editor input[aria-invalid='true'], .astra-embedded-editor textarea[aria-invalid='true'], .astra-embedded-editor select[aria-invalid='true'] { border-color: var(--danger); }
.astra-embedded-editor .button-row { display: flex; flex-wrap: wrap; gap: 0.4rem; margin: 0.5rem 0; align-items: center; }

/* Shell */
.astra-embedded-editor .app { display: flex; flex-direction: column; height: 100%; }
.astra-embedded-editor .app-header { display: flex; align-items: center; gap: 1rem; padding: 0 1rem; height: 48px; background: var(--surface); border-bottom: 1px solid var(--border); flex: none; }
.astra-embedded-editor .brand { font-weight: 700; font-size: 1.1rem; text-decoration: none; color: var(--text); letter-spacing: 0.02em; }
.astra-embedded-editor .app-header nav a { text-decoration: none; color: var(--muted); }
.astra-embedded-editor .app-header nav a[aria-current='page'] { color: var(--text); font-weight: 600; }
.astra-embedded-editor .header-end { margin-left: auto; display: flex; align-items: center; gap: 0.6rem; }
.astra-embedded-editor .who { color: var(--muted); }
.astra-embedded-editor .theme-toggle { width: 2.2rem; justify-content: center; }
.astra-embedded-editor .app-main { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.astra-embedded-editor .splash { display: grid; place-items: center; height: 100%; font-size: 1.5rem; color: var(--muted); }
.astra-embedded-editor .page-message { padding: 2rem; }
.astra-embedded-editor .pending { padding: 2rem; }

/* Login */
.astra-embedded-editor .login { display: grid; place-items: center; height: 100%; position: relative; }
.astra-embedded-editor .login-theme { position: absolute; top: 1rem; right: 1rem; }
.astra-embedded-editor .login-card { width: min(360px, 92vw); background: var(--surface); border: 1px solid var(--border); border-radius: 12px; padding: 1.5rem; box-shadow: var(--shadow); display: flex; flex-direction: column; gap: 0.4rem; }
.astra-embedded-editor .login-card button.primary { margin-top: 0.5rem; justify-content: center; padding: 0.5rem; }

/* Fields */
.astra-embedded-editor .field { display: flex; flex-direction: column; gap: 0.2rem; margin: 0 0 0.75rem; }
.astra-embedded-editor .field label { font-weight: 600; font-size: 0.9rem; }
.astra-embedded-editor .field-inline { flex-direction: row; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
.astra-embedded-editor .field-inline label { order: 2; }
.astra-embedded-editor .field-inline input { order: 1; }
.astra-embedded-editor .field-inline .help, .astra-embedded-editor .field-inline .field-error { order: 3; flex-basis: 100%; }
.astra-embedded-editor .help { margin: 0; color: var(--muted); font-size: 0.82rem; }
.astra-embedded-editor .field-error { margin: 0; color: var(--danger); font-size: 0.85rem; }
.astra-embedded-editor .required { color: var(--danger); }

/* Flow list */
.astra-embedded-editor .flow-list-page { padding: 1.25rem 2rem 3rem; overflow: auto; max-width: 1100px; width: 100%; margin: 0 auto; }
.astra-embedded-editor .flow-actions { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; margin-bottom: 1rem; }
.astra-embedded-editor .inline-form { display: flex; gap: 0.5rem; align-items: center; }
.astra-embedded-editor .inline-form input { width: 260px; }
.astra-embedded-editor .section-head { display: flex; align-items: center; gap: 1rem; justify-content: space-between; }
.astra-embedded-editor .section-head input { max-width: 320px; }
.astra-embedded-editor .flow-cards { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 0.75rem; }
.astra-embedded-editor .flow-card { background: var(--surface); border: 1px solid var(--border); border-radius: 10px; padding: 0.8rem 0.9rem; display: flex; justify-content: space-between; align-items: flex-start; gap: 0.5rem; box-shadow: var(--shadow); }
.astra-embedded-editor .flow-card-link, .astra-embedded-editor .template-card > div { display: flex; flex-direction: column; gap: 0.2rem; text-decoration: none; color: var(--text); min-width: 0; }
.astra-embedded-editor .flow-card-link:hover strong { color: var(--accent); }

/* Editor layout */
.astra-embedded-editor .workbench { display: flex; flex-direction: column; height: 100%; min-height: 0; flex: 1; }
.astra-embedded-editor .workbench-body { display: grid; grid-template-columns: 210px 1fr 360px; flex: 1; min-height: 0; }
.astra-embedded-editor .toolbar { display: flex; align-items: center; gap: 0.4rem; padding: 0.4rem 0.75rem; background: var(--surface); border-bottom: 1px solid var(--border); flex-wrap: wrap; }
.astra-embedded-editor .toolbar .back { text-decoration: none; margin-right: 0.25rem; }
.astra-embedded-editor .flow-name { width: 220px; font-weight: 600; }
.astra-embedded-editor .save-state { color: var(--muted); font-size: 0.85rem; }
.astra-embedded-editor .save-state.is-dirty { color: var(--warn); font-weight: 600; }
.astra-embedded-editor .status-ok { color: var(--ok); font-size: 0.85rem; }
.astra-embedded-editor .toolbar-spacer { flex: 1; }
.astra-embedded-editor .save-message { width: 200px; }
.astra-embedded-editor .leave-confirm { display: inline-flex; gap: 0.4rem; align-items: center; color: var(--warn); }
.astra-embedded-editor .problems { position: relative; }
.astra-embedded-editor .problems-button { color: var(--danger); border-color: var(--danger); font-size: 0.85rem; }
.astra-embedded-editor .problems-list { position: absolute; z-index: 20; top: 110%; left: 0; width: 440px; max-height: 320px; overflow: auto; background: var(--surface); border: 1px solid var(--border); border-radius: 8px; box-shadow: var(--shadow); list-style: none; margin: 0; padding: 0.3rem; }
.astra-embedded-editor .problems-list button { white-space: normal; text-align: left; width: 100%; }

.astra-embedded-editor .palette { border-right: 1px solid var(--border); background: var(--surface); overflow: auto; padding: 0.6rem; }
.astra-embedded-editor .palette-search { margin-bottom: 0.5rem; }
.astra-embedded-editor .palette-group summary { font-size: 0.78rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); cursor: pointer; padding: 0.35rem 0; }
.astra-embedded-editor .palette-group ul { list-style: none; margin: 0 0 0.4rem; padding: 0; }
.astra-embedded-editor .palette-item { width: 100%; border: 1px solid transparent; background: transparent; justify-content: flex-start; padding: 0.3rem 0.4rem; cursor: grab; }
.astra-embedded-editor .palette-item:hover { border-color: var(--border); background: var(--surface-2); }
.astra-embedded-editor .palette-dot { width: 8px; height: 8px; border-radius: 50%; background: var(--cat-colour, var(--muted)); flex: none; }
.astra-embedded-editor .palette-empty { font-size: 0.85rem; }

.astra-embedded-editor .cat-input-output { --cat-colour: var(--cat-input-output); }
.astra-embedded-editor .cat-sources { --cat-colour: var(--cat-sources); }
.astra-embedded-editor .cat-rag { --cat-colour: var(--cat-rag); }
.astra-embedded-editor .cat-models { --cat-colour: var(--cat-models); }
.astra-embedded-editor .cat-text { --cat-colour: var(--cat-text); }
.astra-embedded-editor .cat-control { --cat-colour: var(--cat-control); }
.astra-embedded-editor .cat-utility { --cat-colour: var(--cat-utility); }

.astra-embedded-editor .canvas-wrap { position: relative; min-width: 0; min-height: 0; }
.astra-embedded-editor .canvas-frame { width: 100%; height: 100%; }
.astra-embedded-editor .side-panel { border-left: 1px solid var(--border); background: var(--surface); display: flex; flex-direction: column; min-height: 0; }
.astra-embedded-editor .tabs { display: flex; border-bottom: 1px solid var(--border); flex: none; }
.astra-embedded-editor .tabs [role='tab'] { flex: 1; border: none; border-radius: 0; background: transparent; justify-content: center; padding: 0.6rem; color: var(--muted); border-bottom: 2px solid transparent; }
.astra-embedded-editor .tabs [role='tab'][aria-selected='true'] { color: var(--text); font-weight: 600; border-bottom-color: var(--accent); }
.astra-embedded-editor .tab-panel { overflow: auto; padding: 0.75rem 0.9rem 2rem; flex: 1; min-height: 0; }
.astra-embedded-editor .tab-panel[hidden] { display: none; }

.astra-embedded-editor .notice { position: absolute; z-index: 10; left: 50%; bottom: 1rem; transform: translateX(-50%); display: flex; align-items: center; gap: 0.5rem; max-width: min(680px, 90%); padding: 0.5rem 0.5rem 0.5rem 0.9rem; border-radius: 8px; background: var(--surface); border: 1px solid var(--border); box-shadow: var(--shadow); }
.astra-embedded-editor .notice-error { border-color: var(--danger); color: var(--danger); }
.astra-embedded-editor .notice-success { border-color: var(--ok); }
.astra-embedded-editor .connection-hint { background: var(--surface); border: 1px solid var(--danger); color: var(--danger); border-radius: 6px; padding: 0.3rem 0.7rem; font-size: 0.85rem; box-shadow: var(--shadow); }

/* Nodes */
.astra-embedded-editor .react-flow { --xy-node-border-radius: 10px; }
.astra-embedded-editor .react-flow__node-astra { padding: 0; border-radius: 10px; }
.astra-embedded-editor .astra-node {
  width: 230px;
  background: var(--node-bg);
  color: var(--text);
  border: 1px solid var(--border);
  border-top: 4px solid var(--cat-colour, var(--muted));
  border-radius: 10px;
  box-shadow: var(--shadow);
  font-size: 12px;
}
.astra-embedded-editor .astra-node.is-selected { outline: 2px solid var(--accent); outline-offset: 1px; }
.astra-embedded-editor .astra-node.has-problems { border-color: var(--danger); border-top-color: var(--danger); }
.astra-embedded-editor .astra-node[data-state='running'] { border-color: var(--state-running); box-shadow: 0 0 0 3px color-mix(in srgb, var(--state-running) 35%, transparent); animation: pulse 1.2s ease-in-out infinite; }
.astra-embedded-editor .astra-node[data-state='succeeded'] { border-color: var(--state-succeeded); }
.astra-embedded-editor .astra-node[data-state='cached'] { border-color: var(--state-cached); }
.astra-embedded-editor .astra-node[data-state='failed'] { border-color: var(--state-failed); }
.astra-embedded-editor .astra-node[data-state='cancelled'] { border-color: var(--state-cancelled); }
.astra-embedded-editor .astra-node[data-state='skipped'] { opacity: 0.6; }
@keyframes pulse { 50% { box-shadow: 0 0 0 6px color-mix(in srgb, var(--state-running) 15%, transparent); } }
.astra-embedded-editor .node-header { display: flex; align-items: center; justify-content: space-between; gap: 0.3rem; padding: 0.4rem 0.6rem 0.1rem; }
/* No overflow clipping inside nodes: a clip per label multiplies the compositor's work on every frame of a drag. */
.astra-embedded-editor .node-title { font-weight: 700; font-size: 13px; overflow-wrap: anywhere; }
.astra-embedded-editor .node-sub { padding: 0 0.6rem 0.3rem; color: var(--muted); font-size: 11px; }
.astra-embedded-editor .node-id { font-family: ui-monospace, Menlo, monospace; }
.astra-embedded-editor .node-ports { display: grid; grid-template-columns: minmax(0, 1fr) auto; column-gap: 0.3rem; border-top: 1px solid var(--border); padding: 0.25rem 0; }
.astra-embedded-editor .port { position: relative; padding: 0.18rem 0.6rem; min-height: 20px; display: flex; align-items: center; }
.astra-embedded-editor .port-out { justify-content: flex-end; text-align: right; }
.astra-embedded-editor .port-label { min-width: 0; overflow-wrap: anywhere; }
.astra-embedded-editor .port-optional { color: var(--muted); }
.astra-embedded-editor .port-problem .port-label { color: var(--danger); font-weight: 600; }
.astra-embedded-editor .node-params { margin: 0; padding: 0.3rem 0.6rem 0.4rem; border-top: 1px solid var(--border); display: flex; flex-direction: column; gap: 0.1rem; }
.astra-embedded-editor .node-params div { display: flex; gap: 0.4rem; min-width: 0; }
.astra-embedded-editor .node-params dt { color: var(--muted); flex: none; }
.astra-embedded-editor .node-params dd { margin: 0; min-width: 0; overflow-wrap: anywhere; font-family: ui-monospace, Menlo, monospace; }
.astra-embedded-editor .node-progress { display: flex; align-items: center; gap: 0.4rem; padding: 0 0.6rem 0.4rem; font-size: 11px; color: var(--muted); }
.astra-embedded-editor .node-progress progress { flex: 1; height: 6px; }
.astra-embedded-editor .node-problem { padding: 0.3rem 0.6rem 0.45rem; color: var(--danger); font-size: 11px; border-top: 1px solid var(--border); line-height: 1.3; }
.astra-embedded-editor .unknown-node { border-color: var(--danger); }
/* Zoomed out: the title large enough to read, the ports as bare handles. */
.astra-embedded-editor .astra-node.is-compact { border-top-width: 8px; }
.astra-embedded-editor .astra-node.is-compact .node-header { padding: 0.5rem 0.7rem; }
.astra-embedded-editor .astra-node.is-compact .node-title { font-size: 24px; line-height: 1.15; }
.astra-embedded-editor .astra-node.is-compact .port { min-height: 14px; padding: 0; }
.astra-embedded-editor .astra-node.is-compact[data-state='running'] { animation: none; border-top-color: var(--state-running); }
.astra-embedded-editor .astra-node.is-compact[data-state='succeeded'] { border-top-color: var(--state-succeeded); }
.astra-embedded-editor .astra-node.is-compact[data-state='cached'] { border-top-color: var(--state-cached); }
.astra-embedded-editor .astra-node.is-compact[data-state='failed'] { border-top-color: var(--state-failed); }
.astra-embedded-editor .astra-node.is-compact[data-state='cancelled'] { border-top-color: var(--state-cancelled); }

.astra-embedded-editor .react-flow__handle.handle { width: 11px; height: 11px; border: 2px solid var(--node-bg); background: var(--handle-colour, #868e96); }
.astra-embedded-editor .port-problem .react-flow__handle.handle { box-shadow: 0 0 0 2px var(--danger); }
.astra-embedded-editor .handle-text { --handle-colour: #2f9e44; }
.astra-embedded-editor .handle-number, .astra-embedded-editor .handle-boolean { --handle-colour: #f08c00; }
.astra-embedded-editor .handle-json, .astra-embedded-editor .handle-list { --handle-colour: #868e96; }
.astra-embedded-editor .handle-documents { --handle-colour: #0ca678; }
.astra-embedded-editor .handle-chunks { --handle-colour: #1098ad; }
.astra-embedded-editor .handle-embeddings { --handle-colour: #7048e8; }
.astra-embedded-editor .handle-collection { --handle-colour: #d6336c; }
.astra-embedded-editor .handle-passages { --handle-colour: #1c7ed6; }
.astra-embedded-editor .handle-messages { --handle-colour: #e8590c; }
.astra-embedded-editor .handle-answer { --handle-colour: #ae3ec9; }
.astra-embedded-editor .handle-any { --handle-colour: #adb5bd; }
.astra-embedded-editor .react-flow__handle.connectingto.valid, .astra-embedded-editor .react-flow__handle.valid { box-shadow: 0 0 0 3px color-mix(in srgb, var(--ok) 50%, transparent); }
.astra-embedded-editor .react-flow__handle.connectingto:not(.valid) { box-shadow: 0 0 0 3px color-mix(in srgb, var(--danger) 60%, transparent); }
.astra-embedded-editor .react-flow__connection.valid .react-flow__connection-path { stroke: var(--ok); stroke-width: 2; }
.astra-embedded-editor .react-flow__connection.invalid .react-flow__connection-path { stroke: var(--danger); stroke-width: 2; stroke-dasharray: 5 4; }
.astra-embedded-editor .react-flow__edge.edge-problem .react-flow__edge-path { stroke: var(--danger); stroke-dasharray: 5 4; }
.astra-embedded-editor .react-flow__edge.edge-flowing .react-flow__edge-path { stroke: var(--state-running); }

.astra-embedded-editor .run-badge { font-size: 10px; font-weight: 700; padding: 0.05rem 0.4rem; border-radius: 999px; white-space: nowrap; color: #fff; background: var(--state-pending); }
.astra-embedded-editor .run-badge.run-running { background: var(--state-running); }
.astra-embedded-editor .run-badge.run-succeeded { background: var(--state-succeeded); }
.astra-embedded-editor .run-badge.run-failed { background: var(--state-failed); }
.astra-embedded-editor .run-badge.run-cached { background: var(--state-cached); }
.astra-embedded-editor .run-badge.run-cancelled { background: var(--state-cancelled); }
.astra-embedded-editor .run-badge.run-skipped { background: var(--state-skipped); }

/* Inspector */
.astra-embedded-editor .inspector-title { margin-top: 0; }
.astra-embedded-editor .inspector-meta { color: var(--muted); font-size: 0.82rem; margin: 0 0 0.4rem; }
.astra-embedded-editor .inspector-description { margin: 0 0 0.75rem; }
.astra-embedded-editor .inspector-ports { margin-bottom: 0.75rem; font-size: 0.85rem; }
.astra-embedded-editor .inspector-ports ul { padding-left: 1.1rem; margin: 0.3rem 0; }
.astra-embedded-editor .problem-list { color: var(--danger); padding-left: 1.1rem; margin: 0 0 0.75rem; }

/* Run panel */
.astra-embedded-editor .run-current, .astra-embedded-editor .run-history { border-top: 1px solid var(--border); margin-top: 0.75rem; padding-top: 0.25rem; }
.astra-embedded-editor .run-status { font-size: 0.75rem; font-weight: 700; text-transform: uppercase; padding: 0.05rem 0.4rem; border-radius: 4px; background: var(--surface-2); }
.astra-embedded-editor .status-running { color: var(--state-running); }
.astra-embedded-editor .status-succeeded { color: var(--state-succeeded); }
.astra-embedded-editor .status-failed { color: var(--state-failed); }
.astra-embedded-editor .status-cancelled { color: var(--state-cancelled); }
.astra-embedded-editor .run-history ul { list-style: none; padding: 0; margin: 0; }
.astra-embedded-editor .history-item { width: 100%; justify-content: flex-start; border-color: transparent; background: transparent; font-size: 0.82rem; white-space: normal; text-align: left; }
.astra-embedded-editor .history-item.current { border-color: var(--accent); }
.astra-embedded-editor .output-port { margin: 0.5rem 0; }
.astra-embedded-editor .answer-text { font-size: 0.95rem; }
.astra-embedded-editor .citations { padding-left: 0; list-style: none; font-size: 0.85rem; margin: 0.5rem 0; }
.astra-embedded-editor .citations li { margin: 0.2rem 0; }
.astra-embedded-editor .citations .uncited { color: var(--muted); }
.astra-embedded-editor .citation-number { font-weight: 700; color: var(--accent); }
.astra-embedded-editor .citation-source { color: var(--muted); word-break: break-all; }
.astra-embedded-editor .markdown { line-height: 1.5; overflow-wrap: anywhere; }
.astra-embedded-editor .markdown p { margin: 0.3rem 0; }
.astra-embedded-editor .markdown pre { background: var(--code-bg); padding: 0.5rem; border-radius: 6px; overflow: auto; }
.astra-embedded-editor pre.json { background: var(--code-bg); padding: 0.5rem; border-radius: 6px; overflow: auto; max-height: 320px; font-size: 0.8rem; white-space: pre-wrap; }
.astra-embedded-editor .table-wrap { overflow: auto; max-height: 360px; }
.astra-embedded-editor .output-table { border-collapse: collapse; font-size: 0.78rem; width: 100%; }
.astra-embedded-editor .output-table th, .astra-embedded-editor .output-table td { border-bottom: 1px solid var(--border); padding: 0.25rem 0.35rem; text-align: left; vertical-align: top; }
.astra-embedded-editor .output-table th { position: sticky; top: 0; background: var(--surface); }
.astra-embedded-editor .output-scalar { margin: 0.3rem 0; }
.astra-embedded-editor .streamed { border-left: 3px solid var(--state-running); padding-left: 0.5rem; }
.astra-embedded-editor .logs ol { list-style: none; padding: 0; margin: 0.3rem 0; font-size: 0.8rem; font-family: ui-monospace, Menlo, monospace; }
.astra-embedded-editor .logs time { color: var(--muted); }
.astra-embedded-editor .log-warn { color: var(--warn); }
.astra-embedded-editor .log-error { color: var(--danger); }

/* Versions and diff */
.astra-embedded-editor .version-list { list-style: none; padding: 0; margin: 0; }
.astra-embedded-editor .version-list li { border-bottom: 1px solid var(--border); padding: 0.5rem 0; font-size: 0.85rem; }
.astra-embedded-editor .version-list li.current .version-head strong { color: var(--accent); }
.astra-embedded-editor .modal-backdrop { position: fixed; inset: 0; background: rgba(10, 14, 20, 0.45); display: grid; place-items: center; z-index: 100; }
.astra-embedded-editor .modal { background: var(--surface); color: var(--text); border-radius: 12px; box-shadow: var(--shadow); padding: 1rem 1.25rem; max-width: 92vw; max-height: 90vh; overflow: auto; min-width: 360px; }
.astra-embedded-editor .modal-header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; }
.astra-embedded-editor .modal-header h2 { margin: 0; }
.astra-embedded-editor .diff-modal { width: 1100px; }
.astra-embedded-editor .diff-canvas { height: 56vh; border: 1px solid var(--border); border-radius: 8px; }
.astra-embedded-editor .diff-summary { margin: 0.5rem 0; }
.astra-embedded-editor .diff-legend { display: flex; gap: 0.75rem; list-style: none; padding: 0; margin: 0 0 0.5rem; font-size: 0.8rem; }
.astra-embedded-editor .diff-legend li::before { content: ''; display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 0.3rem; background: var(--diff-colour); }
.astra-embedded-editor .diff-added { --diff-colour: var(--ok); }
.astra-embedded-editor .diff-removed { --diff-colour: var(--danger); }
.astra-embedded-editor .diff-changed { --diff-colour: var(--warn); }
.astra-embedded-editor .diff-moved { --diff-colour: var(--accent); }
.astra-embedded-editor .diff-same { --diff-colour: var(--border); }
.astra-embedded-editor .diff-node { background: var(--node-bg); color: var(--text); border: 2px solid var(--diff-colour); border-radius: 8px; padding: 0.4rem 0.6rem; width: 200px; font-size: 12px; }
.astra-embedded-editor .diff-node.diff-removed { border-style: dashed; opacity: 0.8; }
.astra-embedded-editor .diff-tag { display: inline-block; margin-top: 0.2rem; font-size: 10px; font-weight: 700; text-transform: uppercase; color: var(--diff-colour); }
.astra-embedded-editor .diff-fields { font-family: ui-monospace, Menlo, monospace; font-size: 10px; color: var(--muted); }
.astra-embedded-editor .react-flow__edge.diff-edge-added .react-flow__edge-path { stroke: var(--ok); stroke-width: 2; }
.astra-embedded-editor .react-flow__edge.diff-edge-removed .react-flow__edge-path { stroke: var(--danger); stroke-dasharray: 6 4; stroke-width: 2; }
.astra-embedded-editor .diff-details { font-size: 0.85rem; }
.astra-embedded-editor .diff-field del { color: var(--danger); }
.astra-embedded-editor .diff-field ins { color: var(--ok); text-decoration: none; }
.astra-embedded-editor table.shortcuts th { text-align: left; padding: 0.2rem 1rem 0.2rem 0; font-weight: normal; }
`,""]),r.d(d,{},{A:i})},802(e,d,r){var a=r(645),t=r.n(a),o=r(278),i=r.n(o),s=r(41),n=r(106),m=r(65),l=i()(t());l.i(s.A),l.i(n.A),l.i(m.A),l.push([e.id,`
`,""]),r.d(d,{},{A:l})},603(e,d,r){r.r(d);var a=r(292),t=r.n(a),o=r(893),i=r.n(o),s=r(383),n=r.n(s),m=r(884),l=r.n(m),b=r(88),c=r.n(b),p=r(997),f=r.n(p),g=r(802),u={};u.styleTagTransform=f(),u.setAttributes=l(),u.insert=n().bind(null,"head"),u.domAPI=i(),u.insertStyleElement=c(),t()(g.A,u);let h=g.A&&g.A.locals?g.A.locals:void 0;r.d(d,{},{default:h})}}]);