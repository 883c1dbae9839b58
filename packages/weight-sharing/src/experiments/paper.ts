/** The paper every experiment of this package reproduces. */
export const PAPER =
  'Shakerinava, Sohrabi, Ravanbakhsh, Lacoste-Julien. Weight-Sharing Regularization. AISTATS 2024 (PMLR 238:4204–4212), arXiv:2311.03096';
