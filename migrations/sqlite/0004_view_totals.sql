CREATE TABLE `view_marks` (
	`name` text PRIMARY KEY NOT NULL,
	`hour` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `view_totals` (
	`article_id` text PRIMARY KEY NOT NULL,
	`day` integer DEFAULT 0 NOT NULL,
	`week` integer DEFAULT 0 NOT NULL,
	`month` integer DEFAULT 0 NOT NULL,
	`trend` real DEFAULT 0 NOT NULL,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `view_totals_day_idx` ON `view_totals` (`day`);--> statement-breakpoint
CREATE INDEX `view_totals_week_idx` ON `view_totals` (`week`);--> statement-breakpoint
CREATE INDEX `view_totals_month_idx` ON `view_totals` (`month`);--> statement-breakpoint
CREATE INDEX `view_totals_trend_idx` ON `view_totals` (`trend`);