package org.closepolicy.netty; final class Placeholder {}
