{{%AUTOESCAPE context="HTML"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{#NOINDEX}}<meta name="robots" content="noindex">
{{/NOINDEX}}<title>{{ERROR_PREFIX}}{{TITLE}} · {{SITE_NAME}}</title>
<link rel="stylesheet" href="{{BASE}}/css/site.css">
<script src="{{BASE}}/js/site.js" defer></script>
</head>
<body data-base="{{BASE}}">
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
<nav aria-label="Main">
<a class="brand" href="{{BASE}}/">{{SITE_NAME}}</a>
<ul>
{{#LOGGED_IN}}
<li><a class="nav-profile" href="{{BASE}}/profile">{{#HAS_USER_PICTURE}}<img class="avatar" src="{{BASE}}/profile/picture/{{USER_PICTURE}}" alt="" width="32" height="32">{{/HAS_USER_PICTURE}}<span class="visually-hidden">Profile of </span>{{USER_NAME}}</a></li>
<li><a href="{{BASE}}/logout">Log out</a></li>
{{/LOGGED_IN}}
{{#LOGGED_OUT}}
<li><a href="{{BASE}}/login">Log in</a></li>
<li><a href="{{BASE}}/register">Register</a></li>
{{/LOGGED_OUT}}
</ul>
</nav>
</header>
<main id="main">
{{#FLASH}}<p class="flash" role="status">{{FLASH_TEXT}}</p>{{/FLASH}}
{{>CONTENT}}
</main>
<footer class="site-footer"><p>{{SITE_NAME}} · <a href="{{BASE}}/privacy">Privacy</a></p></footer>
</body>
</html>
