CREATE TABLE `body_templates` (
	`article_id` text PRIMARY KEY NOT NULL,
	`template` text NOT NULL,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `summary_templates` (
	`article_id` text PRIMARY KEY NOT NULL,
	`template` text NOT NULL,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `articles_words_idx` ON `articles` (`id`,`word_count`);--> statement-breakpoint
INSERT INTO `body_templates` (`article_id`, `template`) SELECT `id`, `body_template` FROM `articles` WHERE `body_template` IS NOT NULL;--> statement-breakpoint
INSERT INTO `summary_templates` (`article_id`, `template`) SELECT `id`, `summary_template` FROM `articles` WHERE `summary_template` IS NOT NULL;--> statement-breakpoint
ALTER TABLE `articles` DROP COLUMN `body_template`;--> statement-breakpoint
ALTER TABLE `articles` DROP COLUMN `summary_template`;