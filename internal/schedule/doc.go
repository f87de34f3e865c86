// Package schedule owns Podium's schedules: the cron dialect, planning (next slot, catch-up,
// window), the schedule service (save, read, pause, resume, tags) and firing, where one
// transaction claims a slot, starts its workflow and records the outcome, so a slot fires
// exactly once across replicas. It reaches the engine only through the Starter interface.
//
// The cron dialect: Spring's 6-field expressions (seconds first, `?`, month and weekday
// names, day-of-week 0 and 7 for Sunday, macros such as @daily) and classic 5-field ones,
// evaluated in a time zone. Day-of-month and day-of-week both have to match when both are
// restricted, as in Spring. The Quartz/Spring extensions L, W and # are rejected rather than
// misread.
package schedule
