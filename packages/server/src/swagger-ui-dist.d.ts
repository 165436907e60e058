/** The part of `swagger-ui-dist` (untyped) the docs page uses: where its files are on disk. */
declare module 'swagger-ui-dist/absolute-path.js' {
  const getAbsoluteFSPath: () => string;
  export default getAbsoluteFSPath;
}
