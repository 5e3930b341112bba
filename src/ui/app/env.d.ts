// CSS is imported for the bundler to collect into the stylesheet.
declare module "*.css";
