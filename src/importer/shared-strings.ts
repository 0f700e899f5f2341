/**
 * One copy of each distinct string. JSON.parse and toLowerCase make a new string for every
 * occurrence, so a plan over millions of entries would otherwise hold millions of copies of a few
 * issue keys and logins.
 */
export function stringSharer(): (text: string) => string {
  const strings = new Map<string, string>();
  return (text) => {
    const kept = strings.get(text);
    if (kept !== undefined) return kept;
    strings.set(text, text);
    return text;
  };
}
