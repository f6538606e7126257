-- Each body as its public JSON, made at write time (src/articles/template.ts); null until written again or filled by `migrate`.
ALTER TABLE `articles` ADD `body_template` text;
