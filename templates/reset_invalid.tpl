{{%AUTOESCAPE context="HTML"}}
<h1>This link cannot be used</h1>
<p class="lead">{{MESSAGE}}</p>
<p><a class="button" href="{{BASE}}/reset">Ask for a new link</a></p>
