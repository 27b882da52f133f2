/** A page of the console: `refresh` reloads its live values (every few seconds while shown). */
export interface View {
  refresh(): Promise<void>;
}
