ALTER TABLE `article_tags` ADD `published_at` integer;--> statement-breakpoint
CREATE INDEX `article_tags_tag_published_idx` ON `article_tags` (`tag`,`published_at`,`article_id`);--> statement-breakpoint
ALTER TABLE `article_topics` ADD `published_at` integer;--> statement-breakpoint
CREATE INDEX `article_topics_topic_published_idx` ON `article_topics` (`topic_id`,`published_at`,`article_id`);--> statement-breakpoint
ALTER TABLE `bylines` ADD `published_at` integer;--> statement-breakpoint
CREATE INDEX `bylines_author_published_idx` ON `bylines` (`author_id`,`published_at`,`article_id`);--> statement-breakpoint
UPDATE `article_tags` SET `published_at` = (SELECT CASE WHEN `status` = 'published' THEN `published_at` END FROM `articles` WHERE `articles`.`id` = `article_tags`.`article_id`);--> statement-breakpoint
UPDATE `article_topics` SET `published_at` = (SELECT CASE WHEN `status` = 'published' THEN `published_at` END FROM `articles` WHERE `articles`.`id` = `article_topics`.`article_id`);--> statement-breakpoint
UPDATE `bylines` SET `published_at` = (SELECT CASE WHEN `status` = 'published' THEN `published_at` END FROM `articles` WHERE `articles`.`id` = `bylines`.`article_id`);
