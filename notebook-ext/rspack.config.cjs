// Merged into @jupyter/builder's Rspack config (package.json jupyterlab.rspackConfig).
// JupyterLab shares its React 18 as a singleton, but only the `react` module itself: packages hoisted to the
// root node_modules (@xyflow/react, which the editor's canvas uses) would take React 19's jsx-runtime from
// there, and React 18 refuses React 19's elements ("Minified React error #31", a blank flow tab). Every
// jsx-runtime import takes this package's React 18 one, which in turn uses the shared `react`.
const path = require('node:path');

const react = path.dirname(require.resolve('react/package.json', { paths: [__dirname] }));

module.exports = {
  resolve: {
    alias: {
      'react/jsx-runtime$': path.join(react, 'jsx-runtime.js'),
      'react/jsx-dev-runtime$': path.join(react, 'jsx-dev-runtime.js'),
    },
  },
};
