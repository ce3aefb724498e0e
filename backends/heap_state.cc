// PLACEHOLDER heap state
