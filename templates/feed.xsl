<?xml version="1.0" encoding="UTF-8"?>
<!--
  Shown by browsers that open feed.atom or feed.rss directly, so a visitor sees a readable
  page with a "how to subscribe" note instead of raw XML. Feed readers ignore it.
  Override it by copying this file into your templates folder.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes"/>

  <xsl:template match="/">
    <xsl:variable name="title" select="atom:feed/atom:title | rss/channel/title"/>
    <xsl:variable name="home" select="atom:feed/atom:link[not(@rel) or @rel='alternate']/@href | rss/channel/link"/>
    <html lang="{atom:feed/@xml:lang | rss/channel/language}">
      <head>
        <meta charset="UTF-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <style>
          body { font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; color: #222; }
          .note { background: #fff8e1; border: 1px solid #f0d98c; padding: .75rem 1rem; border-radius: 6px; }
          article { border-bottom: 1px solid #ddd; padding: 1rem 0; }
          h2 { font-size: 1.15rem; margin: 0 0 .25rem; }
          time { color: #666; font-size: .9rem; }
          @media (prefers-color-scheme: dark) { body { background: #121212; color: #ddd; } .note { background: #2b2616; border-color: #5c4d1e; } article { border-color: #333; } a { color: #8ab4f8; } }
        </style>
      </head>
      <body>
        <p class="note">This is a web feed. Copy this page's address into your feed reader to subscribe.</p>
        <h1><a href="{$home}"><xsl:value-of select="$title"/></a></h1>
        <p><xsl:value-of select="atom:feed/atom:subtitle | rss/channel/description"/></p>
        <xsl:apply-templates select="atom:feed/atom:entry | rss/channel/item"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <article>
      <h2><a href="{atom:link[not(@rel) or @rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h2>
      <time><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
      <p><xsl:value-of select="atom:summary"/></p>
    </article>
  </xsl:template>

  <xsl:template match="item">
    <article>
      <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
      <time><xsl:value-of select="substring(pubDate, 6, 11)"/></time>
      <p><xsl:value-of select="description"/></p>
    </article>
  </xsl:template>
</xsl:stylesheet>
