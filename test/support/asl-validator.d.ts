// asl-validator ships JavaScript without type declarations; this is the part the tests call.
declare module 'asl-validator' {
  export default function aslValidator(definition: unknown): {
    isValid: boolean;
    errors: unknown[];
  };
}
