// Times as the railway states them: Indian Standard Time, 24-hour, Latin digits, whatever the
// device's own time zone and settings (a phone set to UTC must not show 3:09 pm for a 20:39
// departure), with month names in the page's language (<html lang>, docs/i18n.md).
export const istTime = (value) => `${new Date(value).toLocaleString(document.documentElement.lang || "en-IN", {
  timeZone: "Asia/Kolkata", day: "numeric", month: "short", year: "numeric",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23", numberingSystem: "latn",
})} IST`;

// "{name}" placeholders of a translated text the page gave in a data- attribute.
export const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key]);
