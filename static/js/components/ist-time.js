// Times as the railway states them: Indian Standard Time, 24-hour, whatever the device's own time
// zone (a phone set to UTC must not show 3:09 pm for a 20:39 departure).
const FORMAT = new Intl.DateTimeFormat("en-IN", {
  timeZone: "Asia/Kolkata", day: "numeric", month: "short", year: "numeric",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

export const istTime = (value) => `${FORMAT.format(new Date(value))} IST`;
